package store

import (
	"context"
	"time"

	"github.com/changeboard/changeboard/internal/change"
)

// The transaction implements change.TemplateRepository (checked by the compiler).
var _ change.TemplateRepository = (*Tx)(nil)

type templateRow struct {
	ID                 string
	Name               string
	Description        string
	ImplementationPlan string
	BackoutPlan        string
	State              string
	CreatedBy          string
	ApprovedBy         string
	ApprovedAt         *time.Time
	Version            int64
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

func (templateRow) TableName() string { return "change_templates" }

const (
	templateProposed = "proposed"
	templateApproved = "approved"
)

func toTemplateRow(t change.Template) templateRow {
	state := templateProposed
	if t.Approved {
		state = templateApproved
	}
	return templateRow{ID: t.ID, Name: t.Title, Description: t.Description, ImplementationPlan: t.ImplementationPlan,
		BackoutPlan: t.BackoutPlan, State: state, CreatedBy: t.CreatedBy, ApprovedBy: t.ApprovedBy,
		ApprovedAt: utcPtr(t.ApprovedAt), Version: t.Version, CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC()}
}

func (r templateRow) template() change.Template {
	return change.Template{ID: r.ID, Title: r.Name, Description: r.Description, ImplementationPlan: r.ImplementationPlan,
		BackoutPlan: r.BackoutPlan, Approved: r.State == templateApproved, CreatedBy: r.CreatedBy,
		ApprovedBy: r.ApprovedBy, ApprovedAt: utcPtr(r.ApprovedAt), Version: r.Version,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// CreateTemplate implements change.TemplateRepository.
func (tx *Tx) CreateTemplate(ctx context.Context, t *change.Template) error {
	row := toTemplateRow(*t)
	return translate(tx.g.Create(&row).Error, "template "+t.Title)
}

// UpdateTemplate implements change.TemplateRepository.
func (tx *Tx) UpdateTemplate(ctx context.Context, t *change.Template, version int64) error {
	row := toTemplateRow(*t)
	row.Version = version + 1
	res := tx.g.Model(&templateRow{}).Where("id = ? AND version = ?", t.ID, version).
		Select("*").Omit("id", "created_at", "created_by").Updates(&row)
	if err := translate(res.Error, "template"); err != nil {
		return err
	}
	if res.RowsAffected == 0 {
		return versionConflict("template " + t.Title)
	}
	t.Version = row.Version
	return nil
}

// FindTemplate implements change.TemplateRepository.
func (tx *Tx) FindTemplate(ctx context.Context, id string) (change.Template, error) {
	var row templateRow
	err := tx.g.Where("id = ?", id).Take(&row).Error
	return row.template(), translate(err, "template "+id)
}

// FindTemplates implements change.TemplateRepository.
func (tx *Tx) FindTemplates(ctx context.Context) ([]change.Template, error) {
	var rows []templateRow
	if err := tx.g.Order("name").Find(&rows).Error; err != nil {
		return nil, translate(err, "templates")
	}
	out := make([]change.Template, len(rows))
	for i, r := range rows {
		out[i] = r.template()
	}
	return out, nil
}

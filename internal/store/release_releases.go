package store

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/release"
)

// The transaction implements release.ReleaseRepository (checked by the compiler).
var _ release.ReleaseRepository = (*Tx)(nil)

type releaseRow struct {
	ID           string
	Number       int64
	Name         string
	Description  string
	OwnerID      string
	RFCIDs       string `gorm:"column:rfc_ids"`
	UpdateIDs    string `gorm:"column:update_ids"`
	Items        string
	Commands     string
	BackoutPlan  string
	TestEvidence string
	PilotResults string
	State        string
	Version      int64
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

func (releaseRow) TableName() string { return "releases" }

// itemJSON and commandsJSON are the stored shapes of a release's contents.
type itemJSON struct {
	Kind    string `json:"kind"`
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
}

type commandsJSON struct {
	Platform    string `json:"platform"`
	PackageKind string `json:"package_kind,omitempty"`
	Install     string `json:"install"`
	Backout     string `json:"backout,omitempty"`
}

func itemsJSON(items []release.Item) string {
	out := make([]itemJSON, len(items))
	for i, it := range items {
		out[i] = itemJSON{Kind: string(it.Kind), Name: it.Name, Version: it.Version}
	}
	return mustJSON(out)
}

func commandsToJSON(cs []release.Commands) string {
	out := make([]commandsJSON, len(cs))
	for i, c := range cs {
		out[i] = commandsJSON{Platform: c.Platform, PackageKind: string(c.PackageKind), Install: c.Install, Backout: c.Backout}
	}
	return mustJSON(out)
}

func parseItems(s string) ([]release.Item, error) {
	var in []itemJSON
	if err := json.Unmarshal([]byte(s), &in); err != nil {
		return nil, err
	}
	out := make([]release.Item, len(in))
	for i, it := range in {
		out[i] = release.Item{Kind: release.ItemKind(it.Kind), Name: it.Name, Version: it.Version}
	}
	return out, nil
}

func parseCommands(s string) ([]release.Commands, error) {
	var in []commandsJSON
	if err := json.Unmarshal([]byte(s), &in); err != nil {
		return nil, err
	}
	out := make([]release.Commands, len(in))
	for i, c := range in {
		out[i] = release.Commands{Platform: c.Platform, PackageKind: release.ItemKind(c.PackageKind), Install: c.Install, Backout: c.Backout}
	}
	return out, nil
}

func toReleaseRow(r release.Release) releaseRow {
	return releaseRow{ID: r.ID, Number: r.Number, Name: r.Name, Description: r.Description, OwnerID: r.OwnerID,
		RFCIDs: mustJSON(nonNil(r.RFCIDs)), UpdateIDs: mustJSON(nonNil(r.UpdateIDs)), Items: itemsJSON(r.Items),
		Commands: commandsToJSON(r.Commands), BackoutPlan: r.BackoutPlan, TestEvidence: r.TestEvidence,
		PilotResults: r.PilotResults, State: string(r.State), Version: r.Version,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

func (row releaseRow) release() (release.Release, error) {
	r := release.Release{ID: row.ID, Number: row.Number, Name: row.Name, Description: row.Description,
		OwnerID: row.OwnerID, BackoutPlan: row.BackoutPlan, TestEvidence: row.TestEvidence,
		PilotResults: row.PilotResults, State: release.State(row.State), Version: row.Version,
		CreatedAt: row.CreatedAt.UTC(), UpdatedAt: row.UpdatedAt.UTC()}
	var err error
	if err = json.Unmarshal([]byte(row.RFCIDs), &r.RFCIDs); err == nil {
		if err = json.Unmarshal([]byte(row.UpdateIDs), &r.UpdateIDs); err == nil {
			if r.Items, err = parseItems(row.Items); err == nil {
				r.Commands, err = parseCommands(row.Commands)
			}
		}
	}
	if err != nil {
		return r, errs.Wrap(errs.Internal, err, "stored release "+row.ID+" is malformed")
	}
	return r, nil
}

// NextReleaseNumber implements release.ReleaseRepository.
func (tx *Tx) NextReleaseNumber(ctx context.Context) (int64, error) {
	var n int64
	err := tx.g.Raw("UPDATE counters SET value = value + 1 WHERE name = 'release' RETURNING value").Scan(&n).Error
	return n, translate(err, "release number")
}

// CreateRelease implements release.ReleaseRepository.
func (tx *Tx) CreateRelease(ctx context.Context, r *release.Release) error {
	row := toReleaseRow(*r)
	if err := tx.g.Create(&row).Error; err != nil {
		return translate(err, "release")
	}
	return tx.setReleaseRFCs(r.ID, r.RFCIDs)
}

func (tx *Tx) setReleaseRFCs(id string, rfcs []string) error {
	if err := tx.g.Exec("DELETE FROM release_rfcs WHERE release_id = ?", id).Error; err != nil {
		return translate(err, "release RFCs")
	}
	for _, rfc := range rfcs {
		if err := tx.g.Exec("INSERT INTO release_rfcs (release_id, rfc_id) VALUES (?, ?)", id, rfc).Error; err != nil {
			return translate(err, "release RFC "+rfc)
		}
	}
	return nil
}

// FindRelease implements release.ReleaseRepository.
func (tx *Tx) FindRelease(ctx context.Context, idOrRef string) (release.Release, error) {
	q := tx.g.Model(&releaseRow{})
	if digits, ok := strings.CutPrefix(strings.ToUpper(idOrRef), "REL-"); ok {
		n, err := strconv.ParseInt(digits, 10, 64)
		if err != nil {
			return release.Release{}, errs.E(errs.NotFound, "no release %s", idOrRef)
		}
		q = q.Where("number = ?", n)
	} else {
		q = q.Where("id = ?", idOrRef)
	}
	var row releaseRow
	if err := q.Take(&row).Error; err != nil {
		return release.Release{}, translate(err, "release "+idOrRef)
	}
	return row.release()
}

// UpdateRelease implements release.ReleaseRepository.
func (tx *Tx) UpdateRelease(ctx context.Context, r *release.Release, version int64) error {
	row := toReleaseRow(*r)
	row.Version = version + 1
	res := tx.g.Model(&releaseRow{}).Where("id = ? AND version = ?", r.ID, version).
		Select("name", "description", "rfc_ids", "update_ids", "items", "commands", "backout_plan",
			"test_evidence", "pilot_results", "state", "version", "updated_at").Updates(&row)
	if err := translate(res.Error, "release "+r.Ref()); err != nil {
		return err
	}
	if res.RowsAffected == 0 {
		return versionConflict("release " + r.Ref())
	}
	r.Version = row.Version
	return tx.setReleaseRFCs(r.ID, r.RFCIDs)
}

// FindReleases implements release.ReleaseRepository, newest first.
func (tx *Tx) FindReleases(ctx context.Context, f release.ReleaseFilter) ([]release.Release, error) {
	q := tx.g.Model(&releaseRow{})
	if f.State != "" {
		q = q.Where("state = ?", string(f.State))
	}
	if f.RFCID != "" {
		q = q.Where("id IN (SELECT release_id FROM release_rfcs WHERE rfc_id = ?)", f.RFCID)
	}
	if f.BeforeNumber > 0 {
		q = q.Where("number < ?", f.BeforeNumber)
	}
	var rows []releaseRow
	if err := q.Order("number DESC").Limit(f.Limit).Find(&rows).Error; err != nil {
		return nil, translate(err, "releases")
	}
	out := make([]release.Release, 0, len(rows))
	for _, row := range rows {
		r, err := row.release()
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

type releaseGateRow struct {
	ID        string
	ReleaseID string
	Kind      string
	Passed    bool
	Items     string
	Notes     string
	SignedBy  string
	SignedAt  time.Time
}

func (releaseGateRow) TableName() string { return "release_gates" }

type checkItemJSON struct {
	Name   string `json:"name"`
	Passed bool   `json:"passed"`
	Detail string `json:"detail,omitempty"`
}

// CreateGate implements release.ReleaseRepository.
func (tx *Tx) CreateGate(ctx context.Context, g *release.Gate) error {
	items := make([]checkItemJSON, len(g.Items))
	for i, it := range g.Items {
		items[i] = checkItemJSON(it)
	}
	row := releaseGateRow{ID: g.ID, ReleaseID: g.ReleaseID, Kind: string(g.Kind), Passed: g.Passed,
		Items: mustJSON(items), Notes: g.Notes, SignedBy: g.SignedBy, SignedAt: g.SignedAt.UTC()}
	return translate(tx.g.Create(&row).Error, "release gate")
}

// FindGates implements release.ReleaseRepository, oldest first.
func (tx *Tx) FindGates(ctx context.Context, releaseID string) ([]release.Gate, error) {
	var rows []releaseGateRow
	if err := tx.g.Where("release_id = ?", releaseID).Order("signed_at, id").Find(&rows).Error; err != nil {
		return nil, translate(err, "release gates")
	}
	out := make([]release.Gate, 0, len(rows))
	for _, row := range rows {
		var items []checkItemJSON
		if err := json.Unmarshal([]byte(row.Items), &items); err != nil {
			return nil, errs.Wrap(errs.Internal, err, "stored gate "+row.ID+" is malformed")
		}
		g := release.Gate{ID: row.ID, ReleaseID: row.ReleaseID, Kind: release.GateKind(row.Kind), Passed: row.Passed,
			Notes: row.Notes, SignedBy: row.SignedBy, SignedAt: row.SignedAt.UTC()}
		for _, it := range items {
			g.Items = append(g.Items, release.CheckItem(it))
		}
		out = append(out, g)
	}
	return out, nil
}

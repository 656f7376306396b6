package httpapi

import (
	"slices"
	"time"

	"github.com/changeboard/changeboard/internal/catalog"
	"github.com/changeboard/changeboard/internal/change"
)

// supersededFlag is the RFC's superseded_updates: the flag holds only
// while the RFC is approved but not yet implementing, also in the answer
// to the transition that moves it on.
func supersededFlag(r change.RFC) []string {
	if !slices.Contains(catalog.UnimplementedRFCStates(), r.State) {
		return []string{}
	}
	return nonNilStrings(r.SupersededUpdates)
}

type cvssDTO struct {
	Version  string  `json:"version"`
	Score    float64 `json:"score"`
	Vector   string  `json:"vector"`
	Severity string  `json:"severity"`
}

type vulnerabilityDTO struct {
	CVE           string              `json:"cve"`
	IDs           []string            `json:"ids"`
	Title         string              `json:"title"`
	CWE           string              `json:"cwe"`
	CVSS          *cvssDTO            `json:"cvss"`
	ProductStatus map[string][]string `json:"product_status"`
}

type productDTO struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	CPE      string   `json:"cpe"`
	PURL     string   `json:"purl"`
	Statuses []string `json:"statuses"`
}

type remediationDTO struct {
	Category        string   `json:"category"`
	Details         string   `json:"details"`
	URL             string   `json:"url"`
	ProductIDs      []string `json:"product_ids"`
	RestartRequired string   `json:"restart_required"`
}

type fixedPackageDTO struct {
	Kind         string   `json:"kind"`
	Name         string   `json:"name"`
	Architecture string   `json:"architecture"`
	Version      string   `json:"version"`
	Platform     string   `json:"platform"`
	PlatformCPE  string   `json:"platform_cpe"`
	ProductID    string   `json:"product_id"`
	CVEs         []string `json:"cves"`
}

type revisionDTO struct {
	Number  string    `json:"number"`
	Date    time.Time `json:"date"`
	Summary string    `json:"summary"`
}

type documentDTO struct {
	TrackingID         string        `json:"tracking_id"`
	Version            string        `json:"version"`
	Status             string        `json:"status"`
	Category           string        `json:"category"`
	PublisherNamespace string        `json:"publisher_namespace"`
	SHA256             string        `json:"sha256"`
	DigestVerified     string        `json:"digest_verified"`
	Revisions          []revisionDTO `json:"revisions"`
}

type updateDTO struct {
	ID              string             `json:"id"`
	VendorID        string             `json:"vendor_id"`
	Title           string             `json:"title"`
	Summary         string             `json:"summary"`
	Publisher       string             `json:"publisher"`
	Source          string             `json:"source"`
	Severity        string             `json:"severity"`
	SeverityText    string             `json:"severity_text"`
	MaxCVSS         float64            `json:"max_cvss"`
	CVEs            []string           `json:"cves"`
	Vulnerabilities []vulnerabilityDTO `json:"vulnerabilities"`
	Products        []productDTO       `json:"products"`
	Remediations    []remediationDTO   `json:"remediations"`
	FixedPackages   []fixedPackageDTO  `json:"fixed_packages"`
	Supersedes      []string           `json:"supersedes"`
	SupersededBy    []string           `json:"superseded_by"`
	RebootRequired  bool               `json:"reboot_required"`
	ReleasedAt      time.Time          `json:"released_at"`
	RevisedAt       time.Time          `json:"revised_at"`
	URL             string             `json:"url"`
	Document        *documentDTO       `json:"document"`
	State           string             `json:"state"`
	StateReason     string             `json:"state_reason"`
	DecidedBy       string             `json:"decided_by"`
	DecidedAt       *time.Time         `json:"decided_at"`
	Actions         []catalog.Event    `json:"actions"`
	Version         int64              `json:"version"`
	CreatedAt       time.Time          `json:"created_at"`
	UpdatedAt       time.Time          `json:"updated_at"`
}

func toUpdateDTO(u catalog.Update, actions []catalog.Event) updateDTO {
	d := updateDTO{ID: u.ID, VendorID: u.VendorID, Title: u.Title, Summary: u.Summary, Publisher: u.Publisher,
		Source: string(u.Source), Severity: string(u.Severity), SeverityText: u.SeverityText, MaxCVSS: u.MaxCVSS(),
		CVEs: nonNilStrings(u.CVEs()), Vulnerabilities: []vulnerabilityDTO{}, Products: []productDTO{},
		Remediations: []remediationDTO{}, FixedPackages: []fixedPackageDTO{}, Supersedes: nonNilStrings(u.Supersedes),
		SupersededBy: nonNilStrings(u.SupersededBy), RebootRequired: u.RebootRequired, ReleasedAt: u.ReleasedAt,
		RevisedAt: u.RevisedAt, URL: u.URL, State: string(u.State), StateReason: u.StateReason, DecidedBy: u.DecidedBy,
		DecidedAt: u.DecidedAt, Actions: actions, Version: u.Version, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
	if d.Actions == nil {
		d.Actions = []catalog.Event{}
	}
	for _, v := range u.Vulnerabilities {
		vd := vulnerabilityDTO{CVE: v.CVE, IDs: nonNilStrings(v.IDs), Title: v.Title, CWE: v.CWE, ProductStatus: v.ProductStatus}
		if v.CVSS != nil {
			vd.CVSS = &cvssDTO{Version: v.CVSS.Version, Score: v.CVSS.Score, Vector: v.CVSS.Vector, Severity: v.CVSS.Severity}
		}
		if vd.ProductStatus == nil {
			vd.ProductStatus = map[string][]string{}
		}
		d.Vulnerabilities = append(d.Vulnerabilities, vd)
	}
	for _, p := range u.Products {
		d.Products = append(d.Products, productDTO{ID: p.ID, Name: p.Name, CPE: p.CPE, PURL: p.PURL, Statuses: nonNilStrings(p.Statuses)})
	}
	for _, r := range u.Remediations {
		d.Remediations = append(d.Remediations, remediationDTO{Category: r.Category, Details: r.Details, URL: r.URL,
			ProductIDs: nonNilStrings(r.ProductIDs), RestartRequired: r.RestartRequired})
	}
	for _, p := range u.Packages {
		d.FixedPackages = append(d.FixedPackages, fixedPackageDTO{Kind: p.Kind, Name: p.Name, Architecture: p.Architecture,
			Version: p.Version, Platform: p.Platform, PlatformCPE: p.PlatformCPE, ProductID: p.ProductID, CVEs: nonNilStrings(p.CVEs)})
	}
	if doc := u.Document; doc != nil {
		d.Document = &documentDTO{TrackingID: doc.TrackingID, Version: doc.Version, Status: doc.Status, Category: doc.Category,
			PublisherNamespace: doc.PublisherNamespace, SHA256: doc.SHA256, DigestVerified: doc.DigestVerified, Revisions: []revisionDTO{}}
		for _, r := range doc.Revisions {
			d.Document.Revisions = append(d.Document.Revisions, revisionDTO(r))
		}
	}
	return d
}

type cveInput struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	CVSSScore   *float64 `json:"cvss_score"`
	CVSSVector  string   `json:"cvss_vector"`
	CVSSVersion string   `json:"cvss_version"`
}

type productInput struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	CPE  string `json:"cpe"`
	PURL string `json:"purl"`
}

type packageInput struct {
	Kind         string `json:"kind"`
	Name         string `json:"name"`
	Architecture string `json:"architecture"`
	Version      string `json:"version"`
	Platform     string `json:"platform"`
}

type createUpdateRequest struct {
	VendorID       string         `json:"vendor_id"`
	Title          string         `json:"title"`
	Summary        string         `json:"summary"`
	Publisher      string         `json:"publisher"`
	Severity       string         `json:"severity"`
	CVEs           []cveInput     `json:"cves"`
	Products       []productInput `json:"products"`
	FixedPackages  []packageInput `json:"fixed_packages"`
	Supersedes     []string       `json:"supersedes"`
	RebootRequired bool           `json:"reboot_required"`
	ReleasedAt     string         `json:"released_at"`
	URL            string         `json:"url"`
}

// update maps the request; a product without an id is named by its name.
func (in createUpdateRequest) update(released *time.Time) catalog.Update {
	u := catalog.Update{VendorID: in.VendorID, Title: in.Title, Summary: in.Summary, Publisher: in.Publisher,
		Severity: catalog.Severity(in.Severity), Supersedes: in.Supersedes, RebootRequired: in.RebootRequired, URL: in.URL}
	if released != nil {
		u.ReleasedAt = *released
	}
	for _, c := range in.CVEs {
		v := catalog.Vulnerability{CVE: c.ID, Title: c.Title}
		if c.CVSSScore != nil || c.CVSSVector != "" {
			v.CVSS = &catalog.CVSS{Version: c.CVSSVersion, Vector: c.CVSSVector}
			if c.CVSSScore != nil {
				v.CVSS.Score = *c.CVSSScore
			}
		}
		u.Vulnerabilities = append(u.Vulnerabilities, v)
	}
	for _, p := range in.Products {
		if p.ID == "" {
			p.ID = p.Name
		}
		u.Products = append(u.Products, catalog.Product{ID: p.ID, Name: p.Name, CPE: p.CPE, PURL: p.PURL})
	}
	for _, p := range in.FixedPackages {
		u.Packages = append(u.Packages, catalog.FixedPackage{Kind: p.Kind, Name: p.Name, Architecture: p.Architecture,
			Version: p.Version, Platform: p.Platform})
	}
	return u
}

type updateTransitionRequest struct {
	Event        string `json:"event"`
	Comment      string `json:"comment"`
	SupersededBy string `json:"superseded_by"`
}

type updateImportDTO struct {
	Outcome string    `json:"outcome"`
	Detail  string    `json:"detail"`
	Changes []string  `json:"changes"`
	Update  updateDTO `json:"update"`
}

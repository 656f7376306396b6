package csaf

// The wire model: the parts of the CSAF 2.0 JSON schema that Changeboard
// checks or maps. Unknown members are ignored, as the standard allows
// consumers to do. Objects are pointers and lists are slices so that
// "missing" and "empty" stay distinguishable for the checks.

type document struct {
	Document        *docMeta        `json:"document"`
	ProductTree     *productTree    `json:"product_tree"`
	Vulnerabilities []vulnerability `json:"vulnerabilities"`
}

type docMeta struct {
	Category          string             `json:"category"`
	CSAFVersion       string             `json:"csaf_version"`
	Title             string             `json:"title"`
	Lang              string             `json:"lang"`
	Publisher         *publisher         `json:"publisher"`
	Tracking          *tracking          `json:"tracking"`
	AggregateSeverity *aggregateSeverity `json:"aggregate_severity"`
	Notes             []note             `json:"notes"`
	References        []reference        `json:"references"`
}

type publisher struct {
	Category  string `json:"category"`
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
}

type tracking struct {
	ID                 string     `json:"id"`
	Status             string     `json:"status"`
	Version            string     `json:"version"`
	InitialReleaseDate string     `json:"initial_release_date"`
	CurrentReleaseDate string     `json:"current_release_date"`
	RevisionHistory    []revision `json:"revision_history"`
}

type revision struct {
	Date    string `json:"date"`
	Number  string `json:"number"`
	Summary string `json:"summary"`
}

type aggregateSeverity struct {
	Namespace string `json:"namespace"`
	Text      string `json:"text"`
}

type note struct {
	Category string `json:"category"`
	Title    string `json:"title"`
	Text     string `json:"text"`
}

type reference struct {
	Category string `json:"category"`
	Summary  string `json:"summary"`
	URL      string `json:"url"`
}

type productTree struct {
	Branches         []branch          `json:"branches"`
	FullProductNames []fullProductName `json:"full_product_names"`
	Relationships    []relationship    `json:"relationships"`
	ProductGroups    []productGroup    `json:"product_groups"`
}

type branch struct {
	Category string           `json:"category"`
	Name     string           `json:"name"`
	Product  *fullProductName `json:"product"`
	Branches []branch         `json:"branches"`
}

type fullProductName struct {
	Name      string         `json:"name"`
	ProductID string         `json:"product_id"`
	Helper    *productHelper `json:"product_identification_helper"`
}

type productHelper struct {
	CPE  string `json:"cpe"`
	PURL string `json:"purl"`
}

type relationship struct {
	Category                  string           `json:"category"`
	FullProductName           *fullProductName `json:"full_product_name"`
	ProductReference          string           `json:"product_reference"`
	RelatesToProductReference string           `json:"relates_to_product_reference"`
}

type productGroup struct {
	GroupID    string   `json:"group_id"`
	ProductIDs []string `json:"product_ids"`
	Summary    string   `json:"summary"`
}

type vulnerability struct {
	CVE           string         `json:"cve"`
	IDs           []vulnID       `json:"ids"`
	Title         string         `json:"title"`
	CWE           *cwe           `json:"cwe"`
	ReleaseDate   string         `json:"release_date"`
	DiscoveryDate string         `json:"discovery_date"`
	Notes         []note         `json:"notes"`
	ProductStatus *productStatus `json:"product_status"`
	Remediations  []remediation  `json:"remediations"`
	Scores        []score        `json:"scores"`
	Threats       []threat       `json:"threats"`
	Flags         []flag         `json:"flags"`
}

type vulnID struct {
	SystemName string `json:"system_name"`
	Text       string `json:"text"`
}

type cwe struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// productStatus keeps the eight lists of the standard; statusLists gives them
// an order and a name for walking.
type productStatus struct {
	FirstAffected      []string `json:"first_affected"`
	FirstFixed         []string `json:"first_fixed"`
	Fixed              []string `json:"fixed"`
	KnownAffected      []string `json:"known_affected"`
	KnownNotAffected   []string `json:"known_not_affected"`
	LastAffected       []string `json:"last_affected"`
	Recommended        []string `json:"recommended"`
	UnderInvestigation []string `json:"under_investigation"`
}

type remediation struct {
	Category        string           `json:"category"`
	Details         string           `json:"details"`
	URL             string           `json:"url"`
	Date            string           `json:"date"`
	ProductIDs      []string         `json:"product_ids"`
	GroupIDs        []string         `json:"group_ids"`
	RestartRequired *restartRequired `json:"restart_required"`
}

type restartRequired struct {
	Category string `json:"category"`
	Details  string `json:"details"`
}

type score struct {
	Products []string `json:"products"`
	CVSSv3   *cvss    `json:"cvss_v3"`
	CVSSv2   *cvss    `json:"cvss_v2"`
}

// cvss holds the members of both CVSS v2 and v3 that Changeboard uses; the
// severity member exists in v3 only.
type cvss struct {
	Version      string   `json:"version"`
	VectorString string   `json:"vectorString"`
	BaseScore    *float64 `json:"baseScore"`
	BaseSeverity string   `json:"baseSeverity"`
}

type threat struct {
	Category   string   `json:"category"`
	Details    string   `json:"details"`
	ProductIDs []string `json:"product_ids"`
	GroupIDs   []string `json:"group_ids"`
}

type flag struct {
	Label      string   `json:"label"`
	ProductIDs []string `json:"product_ids"`
	GroupIDs   []string `json:"group_ids"`
}

// statusList names one list of a productStatus.
type statusList struct {
	status Status
	ids    []string
}

func (s *productStatus) lists() []statusList {
	if s == nil {
		return nil
	}
	return []statusList{
		{StatusFirstAffected, s.FirstAffected},
		{StatusFirstFixed, s.FirstFixed},
		{StatusFixed, s.Fixed},
		{StatusKnownAffected, s.KnownAffected},
		{StatusKnownNotAffected, s.KnownNotAffected},
		{StatusLastAffected, s.LastAffected},
		{StatusRecommended, s.Recommended},
		{StatusUnderInvestigation, s.UnderInvestigation},
	}
}

package cmdb

import "time"

// Snapshot is a CI in the API's names: the shape the API answers and the
// history stores (so that both read alike whatever the Go types become).
type Snapshot struct {
	ID string `json:"id"`
	Fields
	State     string    `json:"state"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Fields are the CI's fields a writer sets, in the API's names: the body
// of a create.
type Fields struct {
	Name        string            `json:"name"`
	Type        string            `json:"type"`
	Environment string            `json:"environment"`
	Location    string            `json:"location"`
	Role        string            `json:"role"`
	Owner       string            `json:"owner"`
	Criticality string            `json:"criticality"`
	OS          string            `json:"os"`
	OSVersion   string            `json:"os_version"`
	Attributes  map[string]string `json:"attributes"`
	AgentID     string            `json:"agent_id"`
}

// SnapshotOf is c in the API's names.
func SnapshotOf(c CI) Snapshot {
	return Snapshot{ID: c.ID, Fields: Fields{Name: c.Name, Type: string(c.Type), Environment: c.Environment,
		Location: c.Location, Role: c.Role, Owner: c.Owner, Criticality: string(c.Criticality), OS: c.OS,
		OSVersion: c.OSVersion, Attributes: c.Attributes, AgentID: c.AgentID},
		State: string(c.State), Version: c.Version, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

// CI reverses SnapshotOf.
func (s Snapshot) CI() CI {
	c := s.Fields.CI()
	c.ID, c.State, c.Version, c.CreatedAt, c.UpdatedAt = s.ID, State(s.State), s.Version, s.CreatedAt, s.UpdatedAt
	return c
}

// CI is a new CI with the fields f sets.
func (f Fields) CI() CI {
	return CI{Name: f.Name, Type: Type(f.Type), Environment: f.Environment, Location: f.Location,
		Role: f.Role, Owner: f.Owner, Criticality: Criticality(f.Criticality), OS: f.OS,
		OSVersion: f.OSVersion, Attributes: f.Attributes, AgentID: f.AgentID}
}

// PatchJSON is a partial CI in the API's names: the body of a PATCH and a
// row of a JSON import. A field left out is nil and keeps its value; an
// attribute set to null is removed.
type PatchJSON struct {
	Name        *string            `json:"name"`
	Type        *string            `json:"type"`
	Environment *string            `json:"environment"`
	Location    *string            `json:"location"`
	Role        *string            `json:"role"`
	Owner       *string            `json:"owner"`
	Criticality *string            `json:"criticality"`
	OS          *string            `json:"os"`
	OSVersion   *string            `json:"os_version"`
	AgentID     *string            `json:"agent_id"`
	Attributes  map[string]*string `json:"attributes"`
}

// Patch is the change p asks for (its Name too, which a PATCH may rename
// and an import matches by).
func (p PatchJSON) Patch() CIPatch {
	return CIPatch{Name: p.Name, Type: p.Type, Environment: p.Environment, Location: p.Location,
		Role: p.Role, Owner: p.Owner, Criticality: p.Criticality, OS: p.OS, OSVersion: p.OSVersion,
		AgentID: p.AgentID, Attributes: p.Attributes}
}

package cmdb

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

// MustCI returns a valid active CI.
func MustCI(tb testing.TB) CI {
	tb.Helper()
	c := CI{ID: "ci-1", Name: "web-01", Type: TypeServer, Environment: "production", Location: "Paris DC1",
		Role: "web", Owner: "ops", Criticality: CriticalityHigh, OS: "debian", OSVersion: "12",
		Attributes: map[string]string{"rack": "R12"}, State: StateActive, Version: 3}
	if err := c.Validate(); err != nil {
		tb.Fatal(err)
	}
	return c
}

func TestCIValidate(t *testing.T) {
	cases := map[string]struct {
		change func(*CI)
		field  string
	}{
		"ErrNoName":          {func(c *CI) { c.Name = "" }, "name"},
		"ErrLongName":        {func(c *CI) { c.Name = strings.Repeat("x", 201) }, "name"},
		"ErrPaddedName":      {func(c *CI) { c.Name = " web" }, "name"},
		"ErrSlashName":       {func(c *CI) { c.Name = "a/b" }, "name"},
		"ErrUUIDName":        {func(c *CI) { c.Name = "0b6f3b5e-6f55-4b53-9d8c-5d2b8c9a4e11" }, "name"},
		"ErrControlName":     {func(c *CI) { c.Name = "web\x00" }, "name"},
		"ErrNoType":          {func(c *CI) { c.Type = "" }, "type"},
		"ErrBadType":         {func(c *CI) { c.Type = "Big Server" }, "type"},
		"ErrNoCriticality":   {func(c *CI) { c.Criticality = "" }, "criticality"},
		"ErrBadCriticality":  {func(c *CI) { c.Criticality = "extreme" }, "criticality"},
		"ErrLongOwner":       {func(c *CI) { c.Owner = strings.Repeat("o", 201) }, "owner"},
		"ErrBadAttributeKey": {func(c *CI) { c.Attributes = map[string]string{"a b": "x"} }, "attributes.a b"},
		"ErrLongAttribute":   {func(c *CI) { c.Attributes = map[string]string{"k": strings.Repeat("v", 1001)} }, "attributes.k"},
		"ErrTooManyAttributes": {func(c *CI) {
			c.Attributes = map[string]string{}
			for i := range 101 {
				c.Attributes["k"+itoa(i)] = "v"
			}
		}, "attributes"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := MustCI(t)
			tc.change(&c)
			wantFields(t, c.Validate(), tc.field)
		})
	}
	t.Run("OKExtensibleType", func(t *testing.T) {
		c := MustCI(t)
		c.Type = "load_balancer"
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestDiff(t *testing.T) {
	a := MustCI(t)
	t.Run("OKNew", func(t *testing.T) {
		d := Diff(CI{}, a)
		if d["name"].From != nil || *d["name"].To != "web-01" || *d["attributes.rack"].To != "R12" {
			t.Fatalf("diff of a new CI: %+v", d)
		}
		if _, set := d["agent_id"]; set {
			t.Errorf("an empty field of a new CI counts as a change")
		}
	})
	t.Run("OKFieldsAndAttributes", func(t *testing.T) {
		b := a.clone()
		b.Owner, b.State = "dba", StateMaintenance
		b.Attributes["row"] = "4"
		delete(b.Attributes, "rack")
		d := Diff(a, b)
		want := []string{"attributes.rack", "attributes.row", "owner", "state"}
		if got := ChangedFields(d); !slices.Equal(got, want) {
			t.Fatalf("changed %v, want %v", got, want)
		}
		if *d["owner"].From != "ops" || *d["owner"].To != "dba" || d["attributes.rack"].To != nil || d["attributes.row"].From != nil {
			t.Fatalf("diff: %+v", d)
		}
	})
	t.Run("OKNone", func(t *testing.T) {
		b := a.clone()
		b.UpdatedAt, b.Version = time.Now(), 9
		if d := Diff(a, b); len(d) != 0 {
			t.Fatalf("diff of equal CIs: %+v", d)
		}
	})
}

func TestPatchApply(t *testing.T) {
	c := MustCI(t)
	owner, row := "dba", "4"
	p := CIPatch{Owner: &owner, Attributes: map[string]*string{"rack": nil, "row": &row}}
	next := c.clone()
	p.apply(&next)
	if next.Owner != "dba" || !maps.Equal(next.Attributes, map[string]string{"row": "4"}) {
		t.Fatalf("patched: %+v", next)
	}
	if c.Attributes["rack"] != "R12" {
		t.Fatal("the patch changed the original's attributes")
	}
	if !(CIPatch{}).empty() || p.empty() {
		t.Fatal("empty() is wrong")
	}
}

func TestCriticalityRank(t *testing.T) {
	for i, c := range Criticalities() {
		if c.Rank() != i+1 {
			t.Errorf("%s ranks %d", c, c.Rank())
		}
	}
	if Criticality("x").Rank() != 0 {
		t.Error("unknown criticality ranks")
	}
}

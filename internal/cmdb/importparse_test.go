package cmdb

import (
	"errors"
	"strings"
	"testing"

	"github.com/changeboard/changeboard/internal/errs"
)

func TestParseImportCSV(t *testing.T) {
	data := "\uFEFFname,type,criticality,owner,attr.rack\n" +
		"web-01,server,high,ops,R12\n" +
		"\"db,01\",database,critical,,\n"
	rows, err := ParseImport(FormatCSV, []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Row != 1 || rows[1].Row != 2 || rows[1].Name != "db,01" {
		t.Fatalf("rows: %+v", rows)
	}
	r := rows[0]
	if *r.Patch.Type != "server" || *r.Patch.Owner != "ops" || *r.Patch.Attributes["rack"] != "R12" || r.Patch.OS != nil {
		t.Fatalf("row 1: %+v", r.Patch)
	}
	// An empty cell sets an empty field and removes an attribute.
	if *rows[1].Patch.Owner != "" || rows[1].Patch.Attributes["rack"] != nil {
		t.Fatalf("row 2: %+v", rows[1].Patch)
	}
}

func TestParseImportJSON(t *testing.T) {
	data := `[{"name":"web-01","type":"server","criticality":"high","attributes":{"rack":"R1","old":null}},
		{"name":"db-01","owner":"dba"}]`
	rows, err := ParseImport(FormatJSON, []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Name != "web-01" || *rows[0].Patch.Attributes["rack"] != "R1" ||
		rows[0].Patch.Attributes["old"] != nil || rows[1].Patch.Type != nil || *rows[1].Patch.Owner != "dba" {
		t.Fatalf("rows: %+v", rows)
	}
}

func TestParseImportErrors(t *testing.T) {
	cases := map[string]struct {
		format, data string
		field        string
	}{
		"ErrFormat":          {"xml", "<cis/>", "Content-Type"},
		"ErrEmptyCSV":        {FormatCSV, "", "body"},
		"ErrHeaderOnly":      {FormatCSV, "name,type\n", "body"},
		"ErrNoNameColumn":    {FormatCSV, "type\nserver\n", "header"},
		"ErrUnknownColumn":   {FormatCSV, "name,colour\nx,red\n", "header[1]"},
		"ErrRepeatedColumn":  {FormatCSV, "name,type,type\nx,a,b\n", "header[2]"},
		"ErrBadAttrColumn":   {FormatCSV, "name,attr.\nx,y\n", "header[1]"},
		"ErrFieldCount":      {FormatCSV, "name,type\nx,server\ny\n", "rows[2]"},
		"ErrBadQuote":        {FormatCSV, "name\n\"x\n", "rows[1]"},
		"ErrNotArray":        {FormatJSON, `{"name":"x"}`, "body"},
		"ErrTrailing":        {FormatJSON, `[] []`, "body"},
		"ErrEmptyArray":      {FormatJSON, `[]`, "body"},
		"ErrUnknownField":    {FormatJSON, `[{"name":"x","colour":"red"}]`, "rows[1].colour"},
		"ErrWrongType":       {FormatJSON, `[{"name":"x"},{"name":7}]`, "rows[2].name"},
		"ErrAttributeNumber": {FormatJSON, `[{"name":"x","attributes":{"a":1}}]`, "rows[1].attributes"},
		"ErrRowNotObject":    {FormatJSON, `["x"]`, "rows[1].body"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ParseImport(tc.format, []byte(tc.data))
			wantFields(t, err, tc.field)
		})
	}
	t.Run("ErrTooMany", func(t *testing.T) {
		_, err := ParseImport(FormatCSV, []byte("name\n"+strings.Repeat("x\n", MaxImportRows+1)))
		wantFields(t, err, "body")
	})
}

func TestCheckImportNames(t *testing.T) {
	rows := []ImportRow{{Row: 1, Name: "a"}, {Row: 2}, {Row: 3, Name: "a"}}
	f, bad := checkImportNames(rows)
	wantFields(t, f.Err(), "rows[2].name", "rows[3].name")
	if len(bad) != 2 || !bad[2] || !bad[3] {
		t.Fatalf("bad rows: %v", bad)
	}
}

// FuzzParseImport: whatever the bytes, the decoder never panics, answers
// either rows or an Invalid error naming fields, and its rows are numbered
// 1…n with at most MaxImportRows of them.
func FuzzParseImport(f *testing.F) {
	f.Add(FormatCSV, "name,type,criticality,attr.rack\nweb-01,server,high,R1\n")
	f.Add(FormatCSV, "name\n\"a\"\"b\"\n")
	f.Add(FormatCSV, "\uFEFFname,owner\nx,\n")
	f.Add(FormatJSON, `[{"name":"web-01","attributes":{"a":"b","c":null}}]`)
	f.Add(FormatJSON, `[{"name":1}]`)
	f.Add(FormatJSON, `[{}, null, []]`)
	f.Fuzz(func(t *testing.T, format, data string) {
		rows, err := ParseImport(format, []byte(data))
		if err != nil {
			var e *errs.Error
			if !errors.As(err, &e) || e.Code != errs.Invalid || len(e.Fields) == 0 {
				t.Fatalf("error %v is not an Invalid error naming fields", err)
			}
			return
		}
		if len(rows) == 0 || len(rows) > MaxImportRows {
			t.Fatalf("%d rows", len(rows))
		}
		for i, r := range rows {
			if r.Row != i+1 {
				t.Fatalf("row %d numbered %d", i+1, r.Row)
			}
		}
	})
}

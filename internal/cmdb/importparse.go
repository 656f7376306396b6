package cmdb

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"

	"github.com/changeboard/changeboard/internal/errs"
)

// ImportRow is one CI of a bulk import: the name it is matched by and the
// fields the row sets. Attributes merge as in a PATCH: a nil value (an
// empty CSV cell, a JSON null) removes the attribute.
type ImportRow struct {
	// Row is the CI's 1-based position in the file.
	Row   int
	Name  string
	Patch CIPatch
}

// The import formats.
const (
	FormatCSV  = "csv"
	FormatJSON = "json"
)

// Limits on an import.
const (
	MaxImportRows = 10000
	// maxImportErrors caps the field errors one import answers with.
	maxImportErrors = 100
	// AttributeColumnPrefix starts a CSV column holding a free attribute.
	AttributeColumnPrefix = "attr."
)

// importColumns are the CSV columns besides the attributes, in the API's
// names; name is required.
var importColumns = []string{"name", "type", "environment", "location", "role", "owner",
	"criticality", "os", "os_version", "agent_id"}

// RowField names field of the CI at row in the errors of an import.
func RowField(row int, field string) string { return fmt.Sprintf("rows[%d].%s", row, field) }

// ParseImport reads a bulk import in format (FormatCSV or FormatJSON). CSV
// has a header row naming its columns (importColumns, and attr.KEY for
// attributes); every column present is set on every row. JSON is an array
// of objects with the fields of a CI (attributes an object of strings).
// Errors name the row and field; nothing is checked beyond the shape here.
func ParseImport(format string, data []byte) ([]ImportRow, error) {
	var rows []ImportRow
	var err error
	switch format {
	case FormatCSV:
		rows, err = parseCSV(data)
	case FormatJSON:
		rows, err = parseJSON(data)
	default:
		return nil, errs.Field("Content-Type", "must be text/csv or application/json")
	}
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, errs.Field("body", "holds no CI")
	}
	return rows, nil
}

func parseCSV(data []byte) ([]ImportRow, error) {
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\uFEFF"))))
	r.ReuseRecord = false
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, errs.Field("body", "is empty: a header row naming the columns is required")
	}
	if err != nil {
		return nil, csvError(err, 0)
	}
	if err := checkHeader(header); err != nil {
		return nil, err
	}
	var rows []ImportRow
	for n := 1; ; n++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, csvError(err, n)
		}
		if n > MaxImportRows {
			return nil, errs.Field("body", fmt.Sprintf("at most %d CIs per import", MaxImportRows))
		}
		rows = append(rows, csvRow(n, header, rec))
	}
}

func csvError(err error, row int) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		if row == 0 {
			return errs.Field("header", fmt.Sprintf("line %d: %v", pe.Line, pe.Err))
		}
		return errs.Field(fmt.Sprintf("rows[%d]", row), fmt.Sprintf("line %d: %v", pe.Line, pe.Err))
	}
	return errs.Field("body", "not valid CSV")
}

func checkHeader(header []string) error {
	var f errs.Fields
	seen := map[string]bool{}
	for i, col := range header {
		at := fmt.Sprintf("header[%d]", i)
		key, isAttr := strings.CutPrefix(col, AttributeColumnPrefix)
		switch {
		case seen[col]:
			f.Add(at, "repeats the column "+col)
		case isAttr && (key == "" || len(key) > MaxAttributeKey || !attributeKey.MatchString(key)):
			f.Add(at, "attribute keys are 1 to 64 letters, digits, '_', '-' or '.'")
		case !isAttr && !slices.Contains(importColumns, col):
			f.Add(at, fmt.Sprintf("unknown column %q: use %s or attr.KEY", col, strings.Join(importColumns, ", ")))
		}
		seen[col] = true
	}
	if !seen["name"] {
		f.Add("header", "the name column is required")
	}
	return f.Err()
}

func csvRow(n int, header, rec []string) ImportRow {
	row := ImportRow{Row: n}
	for i, col := range header {
		v := rec[i]
		if key, ok := strings.CutPrefix(col, AttributeColumnPrefix); ok {
			if row.Patch.Attributes == nil {
				row.Patch.Attributes = map[string]*string{}
			}
			row.Patch.Attributes[key] = nil
			if v != "" {
				row.Patch.Attributes[key] = &v
			}
			continue
		}
		if col == "name" {
			row.Name = v
			continue
		}
		*patchField(&row.Patch, col) = &v
	}
	return row
}

// patchField is the patch's pointer for a column of importColumns.
func patchField(p *CIPatch, col string) **string {
	return map[string]**string{"type": &p.Type, "environment": &p.Environment, "location": &p.Location,
		"role": &p.Role, "owner": &p.Owner, "criticality": &p.Criticality, "os": &p.OS,
		"os_version": &p.OSVersion, "agent_id": &p.AgentID}[col]
}

func parseJSON(data []byte) ([]ImportRow, error) {
	var raw []json.RawMessage
	if err := strictJSON(data, &raw); err != nil {
		return nil, errs.Field("body", "must be a JSON array of CIs: "+err.Error())
	}
	if len(raw) > MaxImportRows {
		return nil, errs.Field("body", fmt.Sprintf("at most %d CIs per import", MaxImportRows))
	}
	var f errs.Fields
	rows := make([]ImportRow, 0, len(raw))
	for i, r := range raw {
		if len(f) >= maxImportErrors {
			break
		}
		var in PatchJSON
		if err := strictJSON(r, &in); err != nil {
			f.Add(RowField(i+1, jsonErrorField(err)), jsonErrorReason(err))
			continue
		}
		// An import matches CIs by name: the name is the row's, not a rename.
		row := ImportRow{Row: i + 1, Patch: in.Patch()}
		row.Patch.Name = nil
		if in.Name != nil {
			row.Name = *in.Name
		}
		rows = append(rows, row)
	}
	return rows, f.Err()
}

// strictJSON decodes exactly one JSON value without unknown fields.
func strictJSON(data []byte, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("trailing data after the value")
	}
	return nil
}

func jsonErrorField(err error) string {
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) && typ.Field != "" {
		return typ.Field
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return strings.Trim(name, `"`)
	}
	return "body"
}

func jsonErrorReason(err error) string {
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		t := typ.Type
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		switch t.Kind() {
		case reflect.Map:
			return "must be an object of strings"
		case reflect.String:
			return "must be a string"
		}
		return "has the wrong type"
	}
	if strings.HasPrefix(err.Error(), "json: unknown field ") {
		return "unknown field"
	}
	return "must be a JSON object: " + err.Error()
}

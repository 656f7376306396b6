package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/changeboard/changeboard/internal/apitest"
)

// TestBadBytesAre400 sends text PostgreSQL cannot store (NUL) and bytes
// that are not UTF-8, in bodies, path ids, query values and imports: each
// is a 400 naming where it was, the same on both databases (PostgreSQL
// answered 500).
func TestBadBytesAre400(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		e := newCMDB(t, s)
		cases := []struct {
			name, method, path, token, body, ctype, field string
		}{
			{"LoginNUL", "POST", "/api/v1/auth/login", "", `{"username":"ad\u0000min","password":"x"}`, "", "username"},
			{"LoginUTF8", "POST", "/api/v1/auth/login", "", "{\"username\":\"\xff\xfe\",\"password\":\"x\"}", "", "username"},
			{"CINameNUL", "POST", "/api/v1/cis", e.cm.token, `{"name":"a\u0000b","type":"server","criticality":"low"}`, "", "name"},
			{"CIAttrKeyNUL", "POST", "/api/v1/cis", e.cm.token, `{"name":"ab","type":"server","criticality":"low","attributes":{"k\u0000":"v"}}`, "", "attributes.k\x00"},
			{"RFCTitleUTF8", "POST", "/api/v1/changes", e.requester.token, "{\"title\":\"\xc3(\",\"description\":\"d\"}", "", "title"},
			{"PathIDNUL", "GET", "/api/v1/cis/a%00b", e.cm.token, "", "", "id"},
			{"PathIDUTF8", "GET", "/api/v1/changes/%ff%fe", e.cm.token, "", "", "id"},
			{"QueryNUL", "GET", "/api/v1/cis?owner=a%00", e.cm.token, "", "", "owner"},
			{"QueryUTF8", "GET", "/api/v1/cis?q=%ff", e.cm.token, "", "", "q"},
			{"CSVImportNUL", "POST", "/api/v1/cis/import", e.cm.token, "name,type,criticality\nx\x00,server,low\n", "text/csv", "body"},
			{"CSVImportUTF8", "POST", "/api/v1/cis/import", e.cm.token, "name,type,criticality\nx\xff,server,low\n", "text/csv", "body"},
			{"CSAFNUL", "POST", "/api/v1/updates/import", s.Admin, `{"document":{"title":"\u0000"}}`, "", "/document/title"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := apitest.Request{Method: c.method, Path: c.path, Token: c.token}
				if c.body != "" {
					r.Body = []byte(c.body)
				}
				if c.ctype != "" {
					r.Header = map[string]string{"Content-Type": c.ctype}
				}
				p := s.Do(t, r).Problem(t)
				if p.Status != http.StatusBadRequest || !p.HasField(c.field) {
					t.Fatalf("%+v, want 400 naming %q", p, c.field)
				}
			})
		}
	})
}

package audit

import (
	"bytes"
	"strings"
	"testing"
)

func TestEscapeCell(t *testing.T) {
	for _, s := range []string{"=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "'=1", "''", "'", "plain", "", "a=b", "=", "'a"} {
		e := EscapeCell(s)
		if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) && e[0] != '\'' {
			t.Errorf("EscapeCell(%q) = %q: not inert", s, e)
		}
		if got := UnescapeCell(e); got != s {
			t.Errorf("UnescapeCell(EscapeCell(%q)) = %q", s, got)
		}
	}
}

// FuzzVerifyExport feeds the offline verifier arbitrary files: it must
// never panic, and must never accept a file the key did not sign.
func FuzzVerifyExport(f *testing.F) {
	keys, _ := GenerateKeys()
	other, _ := GenerateKeys()
	f.Add([]byte("seq,id\n1,2\n"))
	f.Add([]byte(`{"seq":1}` + "\n" + `{"body":{},"signature":""}` + "\n"))
	f.Add([]byte(strings.Join(exportColumns, ",") + "\n#manifest,\"{\"\"body\"\":{}}\"\n"))
	f.Add([]byte("\"unterminated\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := VerifyExport(bytes.NewReader(b), other)
		if err == nil && r.OK {
			t.Fatalf("accepted %q", b)
		}
		_, _ = VerifyExport(bytes.NewReader(b), keys)
	})
}

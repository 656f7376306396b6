package evidence

import (
	"archive/zip"
	"bytes"
	"testing"

	"github.com/changeboard/changeboard/internal/audit"
)

// FuzzVerify feeds the offline verifier arbitrary bytes and ZIPs: it must
// never panic and never accept a pack the key did not sign.
func FuzzVerify(f *testing.F) {
	keys, _ := audit.GenerateKeys()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range map[string]string{"manifest.json": `{"kind":"changeboard.evidence.v1","key_id":"` + keys.KeyID() + `","files":[{"name":"events.ndjson"}]}`,
		"manifest.sig": "AAAA", "events.ndjson": `{"seq":1}` + "\n", "chain.ndjson": `{"seq":1}` + "\n"} {
		w, _ := zw.Create(name)
		_, _ = w.Write([]byte(body))
	}
	_ = zw.Close()
	f.Add(buf.Bytes())
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Verify(bytes.NewReader(b), int64(len(b)), audit.PublicKeys(keys.PublicKey()))
		if err == nil && r.OK {
			t.Fatalf("accepted %q", b)
		}
	})
}

package csaf

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/changeboard/changeboard/internal/errs"
)

func TestVerifyDigestOK(t *testing.T) {
	for _, name := range []string{"va-24-201-01.json", "icsa-24-004-01.json"} {
		doc, sum := MustReadTestdata(t, name), MustReadTestdata(t, name+".sha512")
		if err := VerifyDigest(doc, name, sum); err != nil {
			t.Errorf("%s: %v", name, describe(err))
		}
		if err := VerifyDigest(doc, "", sum); err != nil {
			t.Errorf("%s without a name: %v", name, err)
		}
	}
	doc := []byte(`{}`)
	sum := fmt.Sprintf("%x *doc.json\n", sha256.Sum256(doc))
	if d, err := ParseDigest([]byte(sum), "dir/doc.json"); err != nil || d.Algorithm != "sha256" || d.Verify(doc) != nil {
		t.Errorf("sha256 binary-mode line: %+v, %v", d, err)
	}
}

// TestVerifyDigestErrTampered: one changed byte in a copy of the document
// on disk, and the published hash refuses it.
func TestVerifyDigestErrTampered(t *testing.T) {
	const name = "va-24-201-01.json"
	doc := MustReadTestdata(t, name)
	tampered := bytes.Replace(doc, []byte(`"baseScore": 9`), []byte(`"baseScore": 1`), 1)
	if bytes.Equal(tampered, doc) {
		t.Fatal("tampering changed nothing")
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, tampered, 0o600); err != nil {
		t.Fatal(err)
	}
	onDisk, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(onDisk); err != nil {
		t.Fatalf("the tampered copy must still be a valid document, so only the hash catches it: %v", err)
	}
	err = VerifyDigest(onDisk, path, MustReadTestdata(t, name+".sha512"))
	if reason := fieldsOf(t, err)["digest"]; !strings.Contains(reason, "the hash file says e26aaf54") {
		t.Errorf("reason = %q", reason)
	}
}

func TestParseDigestErrInvalid(t *testing.T) {
	sum := MustReadTestdata(t, "va-24-201-01.json.sha512")
	for _, c := range []struct {
		name, file, doc, reason string
	}{
		{"OtherDocument", string(sum), "icsa-24-004-01.json", `no line for "icsa-24-004-01.json"`},
		{"Empty", "\n\n", "", "empty"},
		{"NotHex", "zz  a.json", "", "hexadecimal"},
		{"WrongLength", "abcd  a.json", "", "neither SHA-256 nor SHA-512"},
		{"TooLarge", strings.Repeat("a", maxHashFile+1), "", "too large"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseDigest([]byte(c.file), c.doc)
			if reason := fieldsOf(t, err)["digest"]; !strings.Contains(reason, c.reason) {
				t.Errorf("reason = %q; want %q", reason, c.reason)
			}
		})
	}
	if err := (Digest{Algorithm: "md5"}).Verify(nil); !errs.Is(err, errs.Invalid) {
		t.Errorf("md5: %v", err)
	}
}

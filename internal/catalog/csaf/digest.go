package csaf

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"path"
	"strings"

	"github.com/changeboard/changeboard/internal/errs"
)

// Digest is one line of a CSAF hash file (".sha256" or ".sha512" beside the
// document, in the format of sha256sum and sha512sum).
type Digest struct {
	// Algorithm is "sha256" or "sha512", told by the length of the hash.
	Algorithm string
	Sum       []byte
	// FileName is the name the line gives, without the binary-mode '*'.
	FileName string
}

// maxHashFile bounds the hash file: one line per document is all CSAF asks.
const maxHashFile = 64 << 10

// ParseDigest reads the line of hashFile that names docName, or its only line
// when docName is empty or the file lists a single hash. It returns an
// Invalid error when the file is not a sha256sum or sha512sum listing.
func ParseDigest(hashFile []byte, docName string) (Digest, error) {
	if len(hashFile) > maxHashFile {
		return Digest{}, errs.Field("digest", "hash file is too large")
	}
	var found []Digest
	for _, line := range strings.Split(string(hashFile), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		d, err := parseDigestLine(line)
		if err != nil {
			return Digest{}, err
		}
		found = append(found, d)
	}
	for _, d := range found {
		if docName != "" && d.FileName == path.Base(docName) {
			return d, nil
		}
	}
	if len(found) == 1 && (docName == "" || found[0].FileName == "") {
		return found[0], nil
	}
	if len(found) == 0 {
		return Digest{}, errs.Field("digest", "hash file is empty")
	}
	return Digest{}, errs.Field("digest", fmt.Sprintf("hash file has no line for %q", path.Base(docName)))
}

func parseDigestLine(line string) (Digest, error) {
	sumHex, name, _ := strings.Cut(line, " ")
	sum, err := hex.DecodeString(sumHex)
	if err != nil {
		return Digest{}, errs.Field("digest", "hash file line does not start with a hexadecimal hash")
	}
	d := Digest{Sum: sum, FileName: strings.TrimPrefix(strings.TrimSpace(name), "*")}
	switch len(sum) {
	case sha256.Size:
		d.Algorithm = "sha256"
	case sha512.Size:
		d.Algorithm = "sha512"
	default:
		return Digest{}, errs.Field("digest", "hash is neither SHA-256 nor SHA-512")
	}
	return d, nil
}

// Verify returns an Invalid error unless doc hashes to d.Sum.
func (d Digest) Verify(doc []byte) error {
	var h hash.Hash
	switch d.Algorithm {
	case "sha256":
		h = sha256.New()
	case "sha512":
		h = sha512.New()
	default:
		return errs.Field("digest", "unsupported hash algorithm "+d.Algorithm)
	}
	h.Write(doc)
	if got := h.Sum(nil); !bytes.Equal(got, d.Sum) {
		return errs.Field("digest", fmt.Sprintf("document %s is %x, the hash file says %x", d.Algorithm, got, d.Sum))
	}
	return nil
}

// VerifyDigest checks doc against the contents of its sibling hash file;
// docName (may be empty) picks the line and must match the name it gives.
func VerifyDigest(doc []byte, docName string, hashFile []byte) error {
	d, err := ParseDigest(hashFile, docName)
	if err != nil {
		return err
	}
	return d.Verify(doc)
}

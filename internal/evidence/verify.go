package evidence

import (
	"archive/zip"
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/changeboard/changeboard/internal/audit"
)

// Report is the outcome of Verify.
type Report struct {
	OK       bool      `json:"ok"`
	Reason   string    `json:"reason,omitempty"`
	Events   int       `json:"events"`
	Proven   int       `json:"proven"`
	Manifest *Manifest `json:"manifest,omitempty"`
}

// Verify checks a pack offline with the public key alone: the manifest's
// signature and key, every file's SHA-256 and that no file is missing or
// added, the checkpoint's signature, every event's content hash, and the
// chain proof: each link recomputed from the one before, each sealed
// event on the link of its sequence, the last link at the checkpoint's
// sequence with its signed hash.
func Verify(r io.ReaderAt, size int64, keys *audit.Keys) (Report, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return Report{Reason: "not a ZIP file: " + err.Error()}, nil
	}
	rep, err := verify(zr, keys)
	if errors.Is(err, errPack) {
		rep.OK, rep.Reason = false, err.Error()
		return rep, nil
	}
	return rep, err
}

func bad(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errPack}, args...)...)
}

func readAll(zr *zip.Reader, name string, max int64) ([]byte, error) {
	f, err := zr.Open(name)
	if err != nil {
		return nil, bad("%s is missing", name)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, bad("%s: %v", name, err)
	}
	if int64(len(b)) > max {
		return nil, bad("%s is larger than %d bytes", name, max)
	}
	return b, nil
}

func verify(zr *zip.Reader, keys *audit.Keys) (Report, error) {
	var rep Report
	body, err := readAll(zr, "manifest.json", 16<<20)
	if err != nil {
		return rep, err
	}
	sig, err := readAll(zr, "manifest.sig", 1<<10)
	if err != nil {
		return rep, err
	}
	var m Manifest
	if err := json.Unmarshal(body, &m); err != nil {
		return rep, bad("manifest.json does not parse: %v", err)
	}
	rep.Manifest = &m
	if m.KeyID != keys.KeyID() {
		return rep, bad("the pack is signed by key %s, not the given key %s", m.KeyID, keys.KeyID())
	}
	if !keys.VerifySignature(body, string(sig)) {
		return rep, bad("manifest.sig does not verify: the manifest was altered or forged")
	}
	listed := map[string]FileEntry{}
	for _, f := range m.Files {
		listed[f.Name] = f
	}
	for _, f := range zr.File {
		if _, ok := listed[f.Name]; !ok && f.Name != "manifest.json" && f.Name != "manifest.sig" {
			return rep, bad("%s is not in the manifest", f.Name)
		}
	}
	for _, f := range m.Files {
		if err := checkFile(zr, f); err != nil {
			return rep, err
		}
	}
	if m.Events > 0 && m.Events > m.Unsealed {
		if err := keys.VerifyCheckpoint(m.Checkpoint); err != nil {
			return rep, bad("%v", err)
		}
	}
	// The events: each content hash, and the link each sealed one sits on.
	want := map[int64]audit.ExportRow{}
	err = eachLine(zr, "events.ndjson", func(line []byte) error {
		var row audit.ExportRow
		if err := json.Unmarshal(line, &row); err != nil {
			return bad("events.ndjson: %v", err)
		}
		e, ok := row.Event()
		if !ok || audit.ContentHash(e) != e.ContentHash {
			return bad("event %d was altered: its content does not match its hash", row.ID)
		}
		rep.Events++
		if row.Seq > 0 {
			// One entry per sealed event of this RFC: bounded by the RFC's
			// own history, not by the chain.
			want[row.Seq] = row
		}
		return nil
	})
	if err != nil {
		return rep, err
	}
	var prev *audit.ProofLink
	err = eachLine(zr, "chain.ndjson", func(line []byte) error {
		var l audit.ProofLink
		if err := json.Unmarshal(line, &l); err != nil {
			return bad("chain.ndjson: %v", err)
		}
		switch {
		case prev != nil && (l.Seq != prev.Seq+1 || l.PrevHash != prev.Hash):
			return bad("chain link %d does not follow link %d", l.Seq, prev.Seq)
		case audit.ChainHash(l.PrevHash, l.Seq, l.EventID, l.ContentHash) != l.Hash:
			return bad("chain link %d does not hash to its recorded hash", l.Seq)
		}
		if e, ok := want[l.Seq]; ok {
			if e.ID != l.EventID || e.ContentHash != l.ContentHash {
				return bad("event %d is not the one chained at sequence %d", e.ID, l.Seq)
			}
			delete(want, l.Seq)
			rep.Proven++
		}
		prev = &l
		return nil
	})
	if err != nil {
		return rep, err
	}
	if len(want) > 0 {
		for seq := range want {
			return rep, bad("the event sealed at sequence %d is not in the chain proof", seq)
		}
	}
	if prev != nil && (prev.Seq != m.Checkpoint.Seq || prev.Hash != m.Checkpoint.HeadHash) {
		return rep, bad("the chain proof ends at sequence %d, not at the signed checkpoint's %d with its hash", prev.Seq, m.Checkpoint.Seq)
	}
	if rep.Events != m.Events {
		return rep, bad("the pack holds %d events, its manifest says %d", rep.Events, m.Events)
	}
	rep.OK = true
	return rep, nil
}

func checkFile(zr *zip.Reader, want FileEntry) error {
	f, err := zr.Open(want.Name)
	if err != nil {
		return bad("%s is missing", want.Name)
	}
	defer f.Close()
	sum := sha256.New()
	n, err := io.Copy(sum, f)
	if err != nil {
		return bad("%s: %v", want.Name, err)
	}
	if n != want.Size || hex.EncodeToString(sum.Sum(nil)) != want.SHA256 {
		return bad("%s does not match its SHA-256 in the manifest: it was changed", want.Name)
	}
	return nil
}

func eachLine(zr *zip.Reader, name string, fn func([]byte) error) error {
	f, err := zr.Open(name)
	if err != nil {
		return bad("%s is missing", name)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		if len(sc.Bytes()) == 0 {
			continue
		}
		if err := fn(sc.Bytes()); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return bad("%s: %v", name, err)
	}
	return nil
}

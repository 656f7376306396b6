package audit

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
)

// VerifyExport checks an export offline, in constant memory, with only the
// public key: the manifest's signature and key, the digest of every byte
// before it, each row's content hash and chain hash, the row count and
// sequence range, and, when the export is unfiltered, that each row links
// to the one before and that the row at the manifest's checkpoint carries
// the checkpoint's signed hash.
func VerifyExport(r io.ReadSeeker, keys *Keys) (ExportReport, error) {
	var m *Manifest
	var at int64
	if err := eachRecord(r, func(off int64, _ *ExportRow, man *Manifest) error {
		if m != nil {
			return fmt.Errorf("%w: records after the manifest", errExport)
		}
		m, at = man, off
		return nil
	}); err != nil {
		return fail(err)
	}
	if m == nil {
		return fail(fmt.Errorf("%w: no manifest: the export is incomplete or was cut", errExport))
	}
	var body ManifestBody
	if err := json.Unmarshal(m.Body, &body); err != nil {
		return fail(fmt.Errorf("%w: the manifest does not parse: %v", errExport, err))
	}
	rep := ExportReport{Manifest: &body}
	bad := func(seq int64, format string, args ...any) (ExportReport, error) {
		rep.OK, rep.BadRow, rep.Reason = false, seq, fmt.Sprintf(format, args...)
		return rep, nil
	}
	if body.KeyID != keys.KeyID() {
		return bad(0, "the manifest names key %s, not the given key %s", body.KeyID, keys.KeyID())
	}
	if !keys.VerifySignature(m.Body, m.Signature) {
		return bad(0, "the manifest's signature is invalid: the manifest was altered or forged")
	}
	if c := body.Checkpoint; c != nil {
		if err := keys.VerifyCheckpoint(*c); err != nil {
			return bad(c.Seq, "%s", err.Error())
		}
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return rep, err
	}
	sum := sha256.New()
	if _, err := io.CopyN(sum, r, at); err != nil {
		return rep, err
	}
	if hex.EncodeToString(sum.Sum(nil)) != body.SHA256 {
		return bad(0, "the rows do not match the manifest's digest: the file was edited")
	}
	var prev *ExportRow
	var broken error
	var brokenSeq int64
	err := eachRecord(r, func(_ int64, row *ExportRow, _ *Manifest) error {
		if row == nil {
			return nil
		}
		if broken != nil {
			return nil
		}
		brokenSeq = row.Seq
		e, ok := row.event()
		switch {
		case !ok:
			broken = errors.New("its time does not parse")
		case ContentHash(e) != e.ContentHash:
			broken = errors.New("its content does not match its content hash: it was altered")
		case ChainHash(e.PrevHash, e.Seq, e.ID, e.ContentHash) != e.Hash:
			broken = errors.New("its chain hash does not match")
		case prev != nil && row.Seq <= prev.Seq:
			broken = errors.New("rows are out of order")
		case !body.Filtered && prev != nil && (row.Seq != prev.Seq+1 || row.PrevHash != prev.Hash):
			broken = fmt.Errorf("it does not follow sequence %d: a row was removed or replaced", prev.Seq)
		case !body.Filtered && prev == nil && body.Filter.AfterSeq > 0 && row.Seq != body.Filter.AfterSeq+1:
			broken = fmt.Errorf("the export should start at sequence %d", body.Filter.AfterSeq+1)
		case body.Checkpoint != nil && row.Seq == body.Checkpoint.Seq && row.Hash != body.Checkpoint.HeadHash:
			broken = errors.New("its hash differs from the signed checkpoint's")
		}
		rep.Rows++
		p := *row
		prev = &p
		return nil
	})
	if err != nil {
		return fail(err)
	}
	if broken != nil {
		return bad(brokenSeq, "row at sequence %d: %v", brokenSeq, broken)
	}
	if rep.Rows != body.Rows || (prev != nil && (prev.Seq != body.LastSeq)) {
		return bad(body.LastSeq, "the export has %d rows, its manifest says %d", rep.Rows, body.Rows)
	}
	rep.OK = true
	return rep, nil
}

func fail(err error) (ExportReport, error) {
	if errors.Is(err, errExport) {
		return ExportReport{Reason: err.Error()}, nil
	}
	return ExportReport{}, err
}

// eachRecord reads an export from its start and hands fn each row or the
// manifest with the offset where the record starts.
func eachRecord(r io.ReadSeeker, fn func(off int64, row *ExportRow, m *Manifest) error) error {
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return err
	}
	br := bufio.NewReaderSize(r, 64<<10)
	first, err := br.Peek(1)
	if err != nil {
		return fmt.Errorf("%w: empty file", errExport)
	}
	if first[0] == '{' {
		return eachNDJSON(br, fn)
	}
	return eachCSV(br, fn)
}

func eachNDJSON(br *bufio.Reader, fn func(int64, *ExportRow, *Manifest) error) error {
	var off int64
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			var rerr error
			if bytes.HasPrefix(line, []byte(`{"body":`)) {
				var m Manifest
				if jerr := json.Unmarshal(line, &m); jerr != nil {
					return fmt.Errorf("%w: line %d: %v", errExport, n, jerr)
				}
				rerr = fn(off, nil, &m)
			} else {
				var row ExportRow
				dec := json.NewDecoder(bytes.NewReader(line))
				dec.DisallowUnknownFields()
				if jerr := dec.Decode(&row); jerr != nil {
					return fmt.Errorf("%w: line %d: %v", errExport, n, jerr)
				}
				rerr = fn(off, &row, nil)
			}
			if rerr != nil {
				return rerr
			}
			off += int64(len(line))
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func eachCSV(br *bufio.Reader, fn func(int64, *ExportRow, *Manifest) error) error {
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil || !slices.Equal(head, exportColumns) {
		return fmt.Errorf("%w: the first row is not the export's header", errExport)
	}
	for {
		off := cr.InputOffset()
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: %v", errExport, err)
		}
		if len(rec) == 2 && rec[0] == manifestMark {
			var m Manifest
			if err := json.Unmarshal([]byte(rec[1]), &m); err != nil {
				return fmt.Errorf("%w: the manifest row: %v", errExport, err)
			}
			if err := fn(off, nil, &m); err != nil {
				return err
			}
			continue
		}
		if len(rec) != len(exportColumns) {
			line, _ := cr.FieldPos(0)
			return fmt.Errorf("%w: line %d has %d cells, want %d", errExport, line, len(rec), len(exportColumns))
		}
		c := make([]string, len(rec))
		for i, v := range rec {
			c[i] = UnescapeCell(v)
		}
		seq, err1 := strconv.ParseInt(c[0], 10, 64)
		id, err2 := strconv.ParseInt(c[1], 10, 64)
		if err1 != nil || err2 != nil {
			line, _ := cr.FieldPos(0)
			return fmt.Errorf("%w: line %d: seq and id must be numbers", errExport, line)
		}
		row := ExportRow{Seq: seq, ID: id, OccurredAt: c[2], ActorID: c[3], ActorRole: c[4], Action: c[5], Outcome: c[6],
			EntityType: c[7], EntityID: c[8], Before: c[9], After: c[10], Reason: c[11], RequestID: c[12], SourceIP: c[13],
			ContentHash: c[14], PrevHash: c[15], Hash: c[16]}
		if err := fn(off, &row, nil); err != nil {
			return err
		}
	}
}

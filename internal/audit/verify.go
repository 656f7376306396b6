package audit

import (
	"fmt"
	"sort"
	"time"
)

// Link is one row of the chain as stored: the seal and the event it points
// at (nil when that event is gone).
type Link struct {
	Seq      int64
	EventID  int64
	PrevHash string
	Hash     string
	// MAC is the seal's keyed MAC ("" on seals made before the key).
	MAC   string
	Event *Event
}

// CheckpointRef names the checkpoint a verification was held against.
type CheckpointRef struct {
	Seq      int64     `json:"seq"`
	HeadHash string    `json:"head_hash"`
	SignedAt time.Time `json:"signed_at"`
	KeyID    string    `json:"key_id"`
}

// Report is the result of a verification.
type Report struct {
	OK          bool   `json:"ok"`
	Checked     int64  `json:"checked"`
	FirstBroken int64  `json:"first_broken,omitempty"`
	Reason      string `json:"reason,omitempty"`
	Unsealed    int64  `json:"unsealed"`
	HeadHash    string `json:"head_hash,omitempty"`
	// Checkpoint is the latest valid signed checkpoint the chain was held
	// against; nil when there was none (then a deleted tail goes unseen).
	Checkpoint *CheckpointRef `json:"checkpoint,omitempty"`
	// MACsChecked says whether the seals' MACs were checked (the private
	// key was at hand), which detects a recomputed chain at its first
	// rewritten link.
	MACsChecked bool `json:"macs_checked"`
	// Sealed is how many events were sealed after the check (the CLI).
	Sealed int `json:"sealed,omitempty"`
}

// VerifyOptions are the key material and the checkpoints a verification
// holds the chain against.
type VerifyOptions struct {
	// Keys verifies checkpoint signatures; with the private key it also
	// checks the seals' MACs. Nil checks neither.
	Keys *Keys
	// Checkpoints are every checkpoint known (database and published
	// copies), in any order.
	Checkpoints []Checkpoint
}

// Verifier walks the chain link by link in sequence order, in constant
// memory (apart from the checkpoints), and keeps the first break.
type Verifier struct {
	report      Report
	keys        *Keys
	prevHash    string
	lastEventID int64
	macSeen     bool
	broken      bool
	// cps are the valid checkpoints in sequence order; next is the first
	// not yet reached; lastOK the sequence of the last one matched.
	cps    []Checkpoint
	next   int
	lastOK int64
}

// NewVerifier starts a verification at the genesis of the chain. Invalid
// checkpoints are failures at once: a forged or altered checkpoint is
// tampering too.
func NewVerifier(o VerifyOptions) *Verifier {
	v := &Verifier{prevHash: GenesisHash, report: Report{OK: true}, keys: o.Keys}
	v.report.MACsChecked = o.Keys.CanSign()
	if o.Keys == nil {
		return v
	}
	for _, c := range o.Checkpoints {
		if err := o.Keys.VerifyCheckpoint(c); err != nil {
			v.fail(max(c.Seq, 1), err.Error())
			continue
		}
		v.cps = append(v.cps, c)
	}
	sort.Slice(v.cps, func(i, j int) bool { return v.cps[i].Seq < v.cps[j].Seq })
	if n := len(v.cps); n > 0 {
		c := v.cps[n-1]
		v.report.Checkpoint = &CheckpointRef{Seq: c.Seq, HeadHash: c.HeadHash, SignedAt: c.SignedAt, KeyID: c.KeyID}
	}
	// A checkpoint at sequence 0 (an empty chain) holds nothing.
	for v.next < len(v.cps) && v.cps[v.next].Seq <= 0 {
		v.next++
	}
	return v
}

// Next checks one link; it returns false once the chain is broken.
func (v *Verifier) Next(l Link) bool {
	if v.broken {
		return false
	}
	want := v.report.Checked + 1
	switch {
	case l.Seq != want:
		return v.fail(want, fmt.Sprintf("sequence %d is missing (found %d next)", want, l.Seq))
	case l.PrevHash != v.prevHash:
		return v.fail(l.Seq, "previous hash does not match the hash of the link before")
	case l.Event == nil:
		return v.fail(l.Seq, fmt.Sprintf("event %d was deleted", l.EventID))
	case l.EventID <= v.lastEventID:
		return v.fail(l.Seq, "events are out of order")
	case ContentHash(*l.Event) != l.Event.ContentHash:
		return v.fail(l.Seq, fmt.Sprintf("event %d was altered: its content does not match its hash", l.EventID))
	case ChainHash(l.PrevHash, l.Seq, l.EventID, l.Event.ContentHash) != l.Hash:
		return v.fail(l.Seq, fmt.Sprintf("event %d does not match the sealed chain hash", l.EventID))
	}
	if v.report.MACsChecked {
		switch {
		case l.MAC == "" && v.macSeen:
			return v.fail(l.Seq, "the seal has no MAC although earlier seals have one: the chain was rewritten from here")
		case l.MAC != "" && l.MAC != v.keys.SealMAC(l.Seq, l.Hash):
			return v.fail(l.Seq, "the seal's MAC does not match: the chain was recomputed from here without the audit key")
		}
		v.macSeen = v.macSeen || l.MAC != ""
	}
	for v.next < len(v.cps) && v.cps[v.next].Seq == l.Seq {
		if c := v.cps[v.next]; c.HeadHash != l.Hash {
			return v.fail(v.lastOK+1, fmt.Sprintf("the chain's hash at sequence %d differs from the checkpoint signed at %s: a link from %d to %d was rewritten",
				c.Seq, c.SignedAt.Format(time.RFC3339), v.lastOK+1, c.Seq))
		}
		v.lastOK = l.Seq
		v.next++
	}
	v.report.Checked = l.Seq
	v.prevHash = l.Hash
	v.lastEventID = l.EventID
	v.report.HeadHash = l.Hash
	return true
}

// Gap reports an event that sits inside the sealed range without a seal:
// it was inserted behind the application's back. nextSeq is the seal that
// follows it.
func (v *Verifier) Gap(eventID, nextSeq int64) {
	v.fail(nextSeq, fmt.Sprintf("event %d is not in the chain", eventID))
}

// Unsealed checks an event written after the last seal: its content must
// still match its hash.
func (v *Verifier) Unsealed(e Event) bool {
	if v.broken {
		return false
	}
	if ContentHash(e) != e.ContentHash {
		return v.fail(v.report.Checked+1, fmt.Sprintf("unsealed event %d was altered", e.ID))
	}
	v.report.Unsealed++
	return true
}

// Finish checks what only the end of the walk shows: the chain is at least
// as long as the latest signed checkpoint says it was.
func (v *Verifier) Finish() {
	if v.broken || v.next >= len(v.cps) {
		return
	}
	c := v.cps[len(v.cps)-1]
	v.fail(v.report.Checked+1, fmt.Sprintf("the checkpoint signed at %s says the chain had %d links, it has %d: its tail was deleted",
		c.SignedAt.Format(time.RFC3339), c.Seq, v.report.Checked))
}

// LastEventID is the id of the last sealed event seen.
func (v *Verifier) LastEventID() int64 { return v.lastEventID }

// Report returns the outcome so far.
func (v *Verifier) Report() Report { return v.report }

func (v *Verifier) fail(seq int64, reason string) bool {
	if !v.broken || seq < v.report.FirstBroken {
		v.broken = true
		v.report.OK = false
		v.report.FirstBroken = seq
		v.report.Reason = reason
	}
	return false
}

package audit

import "fmt"

// Link is one row of the chain as stored: the seal and the event it points
// at (nil when that event is gone).
type Link struct {
	Seq      int64
	EventID  int64
	PrevHash string
	Hash     string
	Event    *Event
}

// Report is the result of a verification.
type Report struct {
	OK          bool   `json:"ok"`
	Checked     int64  `json:"checked"`
	FirstBroken int64  `json:"first_broken,omitempty"`
	Reason      string `json:"reason,omitempty"`
	Unsealed    int64  `json:"unsealed"`
	HeadHash    string `json:"head_hash,omitempty"`
}

// Verifier walks the chain link by link in sequence order, in constant
// memory, and stops at the first break.
type Verifier struct {
	report      Report
	prevHash    string
	lastEventID int64
	broken      bool
}

// NewVerifier starts a verification at the genesis of the chain.
func NewVerifier() *Verifier {
	return &Verifier{prevHash: GenesisHash, report: Report{OK: true}}
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

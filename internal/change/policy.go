package change

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/workflow"
)

// DefaultRetroReviewWindow is how long an emergency change may run
// unreviewed when no policy says otherwise: one week, so that it reaches the
// next weekly CAB meeting.
const DefaultRetroReviewWindow = 7 * 24 * time.Hour

// Policy is the configurable part of the change policy.
type Policy struct {
	// RetroReviewWindow is the time from an emergency change's start to the
	// deadline of its retrospective CAB review; zero means the default.
	RetroReviewWindow time.Duration
}

func (p Policy) retroReviewWindow() time.Duration {
	if p.RetroReviewWindow <= 0 {
		return DefaultRetroReviewWindow
	}
	return p.RetroReviewWindow
}

// Template is a standard-change template (a pre-authorised change model):
// a standard change naming an approved one needs no board.
type Template struct {
	ID                 string
	Title              string
	Description        string
	ImplementationPlan string
	BackoutPlan        string
	// Approved is true once a CAB member other than its author approved it.
	Approved   bool
	CreatedBy  string
	ApprovedBy string
	ApprovedAt *time.Time
	Version    int64
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// BoardKind is the kind of authority a board is.
type BoardKind string

// The board kinds.
const (
	BoardCAB       BoardKind = "cab"
	BoardECAB      BoardKind = "ecab"
	BoardExecutive BoardKind = "executive"
)

// BoardKinds lists the board kinds.
func BoardKinds() []BoardKind { return []BoardKind{BoardCAB, BoardECAB, BoardExecutive} }

// ParseBoardKind reads a board kind.
func ParseBoardKind(s string) (BoardKind, error) { return workflow.ParseEnum("kind", s, BoardKinds()) }

// Rule is how a board's votes become a decision.
type Rule string

// The rules.
const (
	// RuleVeto rejects on the first reject and approves once a quorum has
	// voted with at least one approval and no reject.
	RuleVeto Rule = "veto"
	// RuleMajority decides once a quorum has voted: more approvals than
	// rejects approves, more rejects rejects, a tie waits for every member
	// and then rejects.
	RuleMajority Rule = "majority"
)

// Rules lists the rules.
func Rules() []Rule { return []Rule{RuleVeto, RuleMajority} }

// ParseRule reads a rule.
func ParseRule(s string) (Rule, error) { return workflow.ParseEnum("rule", s, Rules()) }

// Route is the sequence of boards that must approve a change of category c
// and priority p, in order. Empty means no board: a standard change is
// authorised by its template, a minor one by the change manager. An
// emergency goes to the ECAB alone, whatever its category, because waiting
// for the CAB is what it cannot afford; the retrospective review makes up
// for it.
func Route(c Category, p Priority) []BoardKind {
	switch {
	case c == "":
		return nil
	case p == PriorityEmergency:
		return []BoardKind{BoardECAB}
	case c == CategorySignificant:
		return []BoardKind{BoardCAB}
	case c == CategoryMajor:
		return []BoardKind{BoardCAB, BoardExecutive}
	}
	return nil
}

// CurrentBoard is the kind of board deciding r now, if r awaits one.
func CurrentBoard(r RFC) (BoardKind, bool) {
	route := Route(r.Category, r.Priority)
	if r.State != StateAwaitingApproval || r.ApprovalStage < 0 || r.ApprovalStage >= len(route) {
		return "", false
	}
	return route[r.ApprovalStage], true
}

// Board is a body that decides on changes by vote.
type Board struct {
	ID   string
	Name string
	Kind BoardKind
	// Members are user ids.
	Members []string
	// Quorum is how many members must have voted (abstentions included)
	// before the board can approve.
	Quorum    int
	Rule      Rule
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Validate checks a board as configured by an admin.
func (b Board) Validate() error {
	var fs errs.Fields
	addRequired(&fs, "name", b.Name)
	addEnumProblem(&fs, "kind", b.Kind, BoardKinds())
	addEnumProblem(&fs, "rule", b.Rule, Rules())
	addIDListProblems(&fs, "members", b.Members)
	if len(b.Members) == 0 {
		fs.Add("members", "must name at least one member")
	}
	if b.Quorum < 1 || b.Quorum > len(b.Members) {
		fs.Add("quorum", fmt.Sprintf("must be between 1 and the number of members (%d)", len(b.Members)))
	}
	return fs.Err()
}

// IsMember reports whether userID sits on the board.
func (b Board) IsMember(userID string) bool {
	return userID != "" && slices.Contains(b.Members, userID)
}

// Choice is what one member votes.
type Choice string

// The choices.
const (
	ChoiceApprove Choice = "approve"
	ChoiceReject  Choice = "reject"
	ChoiceAbstain Choice = "abstain"
)

// Choices lists the choices.
func Choices() []Choice { return []Choice{ChoiceApprove, ChoiceReject, ChoiceAbstain} }

// ParseChoice reads a choice; the API calls the field "decision".
func ParseChoice(s string) (Choice, error) { return workflow.ParseEnum("decision", s, Choices()) }

// Vote is one member's vote on one RFC in one approval round of one board.
// Votes are recorded once and never edited.
type Vote struct {
	ID       string
	RFCID    string
	BoardID  string
	VoterID  string
	Decision Choice
	Reason   string
	Round    int
	CastAt   time.Time
	// MeetingID names the CAB meeting the vote was taken in, if any.
	MeetingID string
}

// Validate checks a vote's own fields. A reject must say why: the
// requester has to know what to change.
func (v Vote) Validate() error {
	var fs errs.Fields
	addEnumProblem(&fs, "decision", v.Decision, Choices())
	if v.Decision == ChoiceReject {
		addRequired(&fs, "reason", v.Reason)
	}
	if len(v.Reason) > MaxTextLen {
		fs.Add("reason", fmt.Sprintf("must be at most %d bytes", MaxTextLen))
	}
	return fs.Err()
}

// Decision is where a board stands on an RFC.
type Decision string

// The decisions.
const (
	DecisionPending  Decision = "pending"
	DecisionApproved Decision = "approved"
	DecisionRejected Decision = "rejected"
)

// Counts is a board's votes counted, for tallies and meeting minutes.
type Counts struct {
	Members int
	Approve int
	Reject  int
	Abstain int
}

// Cast is the number of members who voted, abstentions included.
func (c Counts) Cast() int { return c.Approve + c.Reject + c.Abstain }

// Count counts the votes of one round that b can count: those on b, by its
// members, the first per member (the store's unique key makes a second one
// impossible; counting it once anyway keeps a tally honest).
func Count(b Board, votes []Vote) Counts {
	members := make(map[string]bool, len(b.Members))
	for _, m := range b.Members {
		members[m] = true
	}
	c := Counts{Members: len(members)}
	seen := make(map[string]bool, len(votes))
	for _, v := range votes {
		if v.BoardID != b.ID || !members[v.VoterID] || seen[v.VoterID] {
			continue
		}
		seen[v.VoterID] = true
		switch v.Decision {
		case ChoiceApprove:
			c.Approve++
		case ChoiceReject:
			c.Reject++
		case ChoiceAbstain:
			c.Abstain++
		}
	}
	return c
}

// Tally decides what b's votes of one round mean (see RuleVeto and
// RuleMajority). A quorum outside 1..members counts as all members; an
// unknown rule counts as veto, the stricter one. When every member has
// voted and nothing approves, the answer is rejected rather than pending
// forever.
func Tally(b Board, votes []Vote) Decision {
	c := Count(b, votes)
	if c.Members == 0 {
		return DecisionPending
	}
	quorum := b.Quorum
	if quorum < 1 || quorum > c.Members {
		quorum = c.Members
	}
	everyone := c.Cast() == c.Members
	if b.Rule == RuleMajority {
		switch {
		case c.Cast() < quorum:
			return DecisionPending
		case c.Approve > c.Reject:
			return DecisionApproved
		case c.Reject > c.Approve || everyone:
			return DecisionRejected
		}
		return DecisionPending
	}
	switch {
	case c.Reject > 0:
		return DecisionRejected
	case c.Cast() >= quorum && c.Approve > 0:
		return DecisionApproved
	case everyone:
		return DecisionRejected
	}
	return DecisionPending
}

// CanVote says whether voter may vote on r as a member of b, given the
// votes already recorded on r: Forbidden for the requester (separation of
// duties), for non-members and for members without the cab_member role;
// Conflict when r does not await b's kind of board (including a vote after
// the decision) or the voter has voted on b in this round.
func CanVote(r RFC, b Board, voter identity.Actor, existing []Vote) error {
	if voter.UserID != "" && voter.UserID == r.RequesterID {
		return errs.E(errs.Forbidden, "a requester never votes on their own change")
	}
	if !b.IsMember(voter.UserID) {
		return errs.E(errs.Forbidden, "you are not a member of the board %s", boardName(b))
	}
	if !voter.Has(identity.CABMember) {
		return errs.E(errs.Forbidden, "voting needs the role %s", identity.CABMember)
	}
	kind, ok := CurrentBoard(r)
	if !ok {
		return errs.E(errs.Conflict, "%s is not awaiting a board's decision", r.Ref())
	}
	if kind != b.Kind {
		return errs.E(errs.Conflict, "%s awaits the %s board, not the %s board", r.Ref(), kind, b.Kind)
	}
	for _, v := range existing {
		if v.BoardID == b.ID && v.VoterID == voter.UserID && v.Round == r.ApprovalRound {
			return errs.E(errs.Conflict, "you have already voted on %s in round %d", r.Ref(), r.ApprovalRound)
		}
	}
	return nil
}

// CastVote checks a vote (CanVote, then the vote's own fields) and returns
// it ready to insert: on b, in r's current round, cast now. The store's
// unique key on (rfc, board, round, voter) closes the race CanVote cannot.
func CastVote(r RFC, b Board, voter identity.Actor, existing []Vote, choice Choice, reason string, now time.Time) (Vote, error) {
	if err := CanVote(r, b, voter, existing); err != nil {
		return Vote{}, err
	}
	v := Vote{BoardID: b.ID, VoterID: voter.UserID, Decision: choice, Reason: reason, Round: r.ApprovalRound, CastAt: now}
	if err := v.Validate(); err != nil {
		return Vote{}, err
	}
	return v, nil
}

func boardName(b Board) string {
	if strings.TrimSpace(b.Name) != "" {
		return b.Name
	}
	return string(b.Kind)
}

package change

import (
	"slices"
	"strings"
	"testing"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
)

func board(rule Rule, quorum int) Board {
	return Board{ID: "b-1", Name: "CAB", Kind: BoardCAB, Members: []string{"a", "b", "c", "d", "e"}, Quorum: quorum, Rule: rule}
}

// votes reads "a+ b- c0": approve, reject, abstain by member.
func votes(s string) []Vote {
	var out []Vote
	for _, w := range strings.Fields(s) {
		choice := map[byte]Choice{'+': ChoiceApprove, '-': ChoiceReject, '0': ChoiceAbstain}[w[len(w)-1]]
		out = append(out, Vote{BoardID: "b-1", VoterID: w[:len(w)-1], Decision: choice, Round: 1})
	}
	return out
}

func TestTallyVeto(t *testing.T) {
	cases := []struct {
		name   string
		quorum int
		votes  string
		want   Decision
	}{
		{"NoVotes", 3, "", DecisionPending},
		{"BelowQuorum", 3, "a+ b+", DecisionPending},
		{"QuorumOfApprovals", 3, "a+ b+ c+", DecisionApproved},
		{"AbstentionCountsTowardQuorum", 3, "a+ b+ c0", DecisionApproved},
		{"OneApprovalIsEnoughAtQuorum", 3, "a+ b0 c0", DecisionApproved},
		{"QuorumOfAbstentionsWaits", 3, "a0 b0 c0", DecisionPending},
		{"EveryoneAbstainedRejects", 3, "a0 b0 c0 d0 e0", DecisionRejected},
		{"FirstRejectVetoes", 3, "a-", DecisionRejected},
		{"RejectVetoesApprovals", 3, "a+ b+ c+ d+ e-", DecisionRejected},
		{"NonMemberIgnored", 3, "a+ b+ x+", DecisionPending},
		{"NonMemberRejectIgnored", 1, "x- a+", DecisionApproved},
		{"SecondVoteOfMemberIgnored", 3, "a+ a+ b+", DecisionPending},
		{"ChangedMindIgnored", 1, "a+ a-", DecisionApproved},
		{"QuorumZeroMeansAll", 0, "a+ b+ c+ d+", DecisionPending},
		{"QuorumZeroAllVoted", 0, "a+ b+ c+ d+ e0", DecisionApproved},
		{"QuorumAboveMembersMeansAll", 9, "a+ b+ c+ d+ e+", DecisionApproved},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Tally(board(RuleVeto, c.quorum), votes(c.votes)); got != c.want {
				t.Fatalf("Tally(veto, q=%d, %q) = %s, want %s", c.quorum, c.votes, got, c.want)
			}
		})
	}
}

func TestTallyMajority(t *testing.T) {
	cases := []struct {
		name   string
		quorum int
		votes  string
		want   Decision
	}{
		{"NoVotes", 3, "", DecisionPending},
		{"BelowQuorum", 3, "a+ b+", DecisionPending},
		{"RejectsBelowQuorumWait", 3, "a- b-", DecisionPending},
		{"MoreApprovals", 3, "a+ b+ c-", DecisionApproved},
		{"MoreRejects", 3, "a+ b- c-", DecisionRejected},
		{"ApprovalWithAbstentions", 3, "a+ b0 c0", DecisionApproved},
		{"TieWaitsForEveryone", 3, "a+ b- c0", DecisionPending},
		{"TieWhenAllVotedRejects", 3, "a+ b+ c- d- e0", DecisionRejected},
		{"AllAbstainAtQuorumWaits", 3, "a0 b0 c0", DecisionPending},
		{"EveryoneAbstainedRejects", 3, "a0 b0 c0 d0 e0", DecisionRejected},
		{"QuorumOne", 1, "a-", DecisionRejected},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Tally(board(RuleMajority, c.quorum), votes(c.votes)); got != c.want {
				t.Fatalf("Tally(majority, q=%d, %q) = %s, want %s", c.quorum, c.votes, got, c.want)
			}
		})
	}
	t.Run("VotesOnAnotherBoardIgnored", func(t *testing.T) {
		vs := votes("a+ b+ c+")
		for i := range vs {
			vs[i].BoardID = "b-2"
		}
		if got := Tally(board(RuleMajority, 1), vs); got != DecisionPending {
			t.Fatalf("got %s", got)
		}
	})
	t.Run("EmptyBoardWaits", func(t *testing.T) {
		if got := Tally(Board{ID: "b-1", Rule: RuleMajority}, votes("a+")); got != DecisionPending {
			t.Fatalf("got %s", got)
		}
	})
}

func TestCount(t *testing.T) {
	c := Count(board(RuleVeto, 3), votes("a+ b- c0 c+ x+"))
	if c != (Counts{Members: 5, Approve: 1, Reject: 1, Abstain: 1}) || c.Cast() != 3 {
		t.Fatalf("Count = %+v", c)
	}
}

// awaitingCAB is a significant RFC in its second round before the CAB.
func awaitingCAB(t *testing.T) RFC {
	r := MustRFC(t, StateAwaitingApproval)
	r.ApprovalRound = 2
	return r
}

func member(id string, roles ...identity.Role) identity.Actor {
	if len(roles) == 0 {
		roles = []identity.Role{identity.CABMember}
	}
	return identity.Actor{UserID: id, Roles: roles}
}

func TestCanVote(t *testing.T) {
	b := board(RuleVeto, 3)
	b.Members = append(b.Members, "u-req")
	cases := []struct {
		name     string
		rfc      func(*RFC)
		board    func(*Board)
		voter    identity.Actor
		existing []Vote
		want     errs.Code
	}{
		{"OK", nil, nil, member("a"), nil, ""},
		{"ErrSelfApproval", nil, nil, member("u-req"), nil, errs.Forbidden},
		{"ErrNonMember", nil, nil, member("x"), nil, errs.Forbidden},
		{"ErrMemberWithoutRole", nil, nil, member("a", identity.Auditor), nil, errs.Forbidden},
		{"ErrDoubleVote", nil, nil, member("a"), []Vote{{BoardID: "b-1", VoterID: "a", Round: 2}}, errs.Conflict},
		{"OKVotedInEarlierRound", nil, nil, member("a"), []Vote{{BoardID: "b-1", VoterID: "a", Round: 1}}, ""},
		{"OKVotedOnOtherBoard", nil, nil, member("a"), []Vote{{BoardID: "b-9", VoterID: "a", Round: 2}}, ""},
		{"ErrAfterDecision", func(r *RFC) { r.State = StateApproved }, nil, member("a"), nil, errs.Conflict},
		{"ErrNotYetAwaiting", func(r *RFC) { r.State = StateClassified }, nil, member("a"), nil, errs.Conflict},
		{"ErrWrongBoard", nil, func(b *Board) { b.Kind = BoardExecutive }, member("a"), nil, errs.Conflict},
		{"ErrExecutiveBeforeCAB", func(r *RFC) { r.Category = CategoryMajor },
			func(b *Board) { b.Kind = BoardExecutive }, member("a"), nil, errs.Conflict},
		{"OKExecutiveAfterCAB", func(r *RFC) { r.Category, r.ApprovalStage = CategoryMajor, 1 },
			func(b *Board) { b.Kind = BoardExecutive }, member("a"), nil, ""},
		{"OKECABOnEmergency", func(r *RFC) { r.Priority = PriorityEmergency },
			func(b *Board) { b.Kind = BoardECAB }, member("a"), nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, bd := awaitingCAB(t), b
			bd.Members = slices.Clone(b.Members)
			if c.rfc != nil {
				c.rfc(&r)
			}
			if c.board != nil {
				c.board(&bd)
			}
			wantCode(t, CanVote(r, bd, c.voter, c.existing), c.want)
		})
	}
}

func TestRoute(t *testing.T) {
	cases := []struct {
		c    Category
		p    Priority
		want []BoardKind
	}{
		{"", PriorityLow, nil},
		{CategoryStandard, PriorityLow, nil},
		{CategoryMinor, PriorityHigh, nil},
		{CategorySignificant, PriorityMedium, []BoardKind{BoardCAB}},
		{CategoryMajor, PriorityHigh, []BoardKind{BoardCAB, BoardExecutive}},
		{CategoryMinor, PriorityEmergency, []BoardKind{BoardECAB}},
		{CategoryMajor, PriorityEmergency, []BoardKind{BoardECAB}},
	}
	for _, c := range cases {
		if got := Route(c.c, c.p); !slices.Equal(got, c.want) {
			t.Errorf("Route(%s, %s) = %v, want %v", c.c, c.p, got, c.want)
		}
	}
}

func TestBoardValidate(t *testing.T) {
	wantCode(t, board(RuleMajority, 3).Validate(), "")
	bad := Board{Kind: "jury", Rule: "dice", Members: []string{"a", "a", " "}, Quorum: 4}
	wantFields(t, bad.Validate(), "name", "kind", "rule", "members", "quorum")
	wantFields(t, Board{Name: "x", Kind: BoardCAB, Rule: RuleVeto}.Validate(), "members", "quorum")
}

func TestVoteValidate(t *testing.T) {
	wantCode(t, Vote{Decision: ChoiceApprove}.Validate(), "")
	wantCode(t, Vote{Decision: ChoiceAbstain}.Validate(), "")
	wantFields(t, Vote{Decision: ChoiceReject}.Validate(), "reason")
	wantFields(t, Vote{Decision: "maybe"}.Validate(), "decision")
	_, err := ParseChoice("yes")
	wantFields(t, err, "decision")
}

func TestCastVote(t *testing.T) {
	r, b := awaitingCAB(t), board(RuleVeto, 3)
	v, err := CastVote(r, b, member("a"), nil, ChoiceApprove, "fine", now)
	wantCode(t, err, "")
	if v != (Vote{BoardID: "b-1", VoterID: "a", Decision: ChoiceApprove, Reason: "fine", Round: 2, CastAt: now}) {
		t.Fatalf("vote %+v", v)
	}
	_, err = CastVote(r, b, member("b"), nil, ChoiceReject, "", now)
	wantFields(t, err, "reason")
	_, err = CastVote(r, b, member("a"), []Vote{v}, "yes", "", now)
	wantCode(t, err, errs.Conflict) // the double vote is refused before the bad choice
}

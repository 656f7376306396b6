package change

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
)

// VoteInput is a member's vote as sent.
type VoteInput struct {
	Decision  string
	Reason    string
	MeetingID string
}

// Vote records a board member's vote and, when the board's policy is met,
// moves the RFC on in the same transaction. Votes on one RFC are
// serialised by its row lock, so that the tally always sees every earlier
// vote and exactly one vote decides.
func (s *Service) Vote(ctx context.Context, actor identity.Actor, idOrRef string, in VoteInput) (Vote, RFC, error) {
	choice, err := ParseChoice(in.Decision)
	if err != nil {
		return Vote{}, RFC{}, err
	}
	var v Vote
	var r RFC
	err = s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		found, err := tx.FindRFC(ctx, idOrRef)
		if err != nil {
			return err
		}
		if err := tx.LockRFC(ctx, found.ID); err != nil {
			return err
		}
		// Read again under the lock: the state may have moved meanwhile.
		if r, err = tx.FindRFC(ctx, found.ID); err != nil {
			return err
		}
		b, existing, err := s.deciding(ctx, tx, r)
		if err != nil {
			return err
		}
		if v, err = CastVote(r, b, actor, existing, choice, in.Reason, s.now()); err != nil {
			return err
		}
		if err := s.checkMeeting(ctx, tx, r, b, actor, in.MeetingID); err != nil {
			return err
		}
		v.ID, v.RFCID, v.MeetingID = uuid.NewString(), r.ID, in.MeetingID
		if err := tx.CreateVote(ctx, &v); err != nil {
			return err
		}
		if err := s.record(ctx, tx, audit.Record{Actor: actor, Role: identity.CABMember, Action: "rfc.vote",
			EntityType: "rfc", EntityID: r.ID, After: voteView(v, b), Reason: v.Reason}); err != nil {
			return err
		}
		r, err = s.advance(ctx, tx, actor, r, b, append(existing, v))
		return err
	})
	return v, r, s.guard.Refuse(ctx, actor, "rfc.vote", "rfc", resolved(r, idOrRef), err)
}

// deciding returns the board now deciding on r and the votes of this round.
func (s *Service) deciding(ctx context.Context, tx Tx, r RFC) (Board, []Vote, error) {
	kind, ok := CurrentBoard(r)
	if !ok {
		return Board{}, nil, errs.E(errs.Conflict, "%s is not awaiting a board's decision (state %s)", r.Ref(), r.State)
	}
	b, err := tx.FindBoardByKind(ctx, kind)
	if errs.Is(err, errs.NotFound) {
		return Board{}, nil, errs.E(errs.Conflict, "no %s board is configured to decide %s", kind, r.Ref())
	}
	if err != nil {
		return Board{}, nil, err
	}
	votes, err := tx.FindVotes(ctx, r.ID, r.ApprovalRound)
	return b, votes, err
}

// advance tallies the round and applies the decision, if any.
func (s *Service) advance(ctx context.Context, tx Tx, actor identity.Actor, r RFC, b Board, votes []Vote) (RFC, error) {
	var onBoard []Vote
	for _, v := range votes {
		if v.BoardID == b.ID {
			onBoard = append(onBoard, v)
		}
	}
	d := Tally(b, onBoard)
	next, ev, err := Advance(r, d, s.now(), s.policy)
	if err != nil || (ev == "" && next.ApprovalStage == r.ApprovalStage) {
		return r, err
	}
	c := Count(b, onBoard)
	why := fmt.Sprintf("%s decided %s: %d approve, %d reject, %d abstain of %d members (quorum %d, %s)",
		boardName(b), d, c.Approve, c.Reject, c.Abstain, c.Members, b.Quorum, b.Rule)
	action := "rfc.board_decision"
	if ev != "" {
		action = "rfc." + string(ev)
	}
	return next, s.save(ctx, tx, actor, r, &next, action, why)
}

func voteView(v Vote, b Board) map[string]any {
	return map[string]any{"id": v.ID, "board_id": b.ID, "board": b.Name, "round": v.Round,
		"voter_id": v.VoterID, "decision": v.Decision, "reason": v.Reason, "meeting_id": v.MeetingID}
}

// checkMeeting checks a vote taken in a CAB meeting: the meeting is open,
// of this board, has the RFC on its agenda and the voter attends.
func (s *Service) checkMeeting(ctx context.Context, tx Tx, r RFC, b Board, actor identity.Actor, meetingID string) error {
	if meetingID == "" {
		return nil
	}
	m, err := tx.FindMeeting(ctx, meetingID)
	if errs.Is(err, errs.NotFound) {
		return errs.Field("meeting_id", "no such meeting")
	}
	switch {
	case err != nil:
		return err
	case m.BoardID != b.ID:
		return errs.Field("meeting_id", "the meeting is not of the board deciding this change")
	case m.State != MeetingScheduled:
		return errs.E(errs.Conflict, "the meeting is closed")
	case s.now().Before(m.StartsAt):
		return m.checkInSession(s.now(), "votes are taken in it")
	case s.now().After(m.StartsAt.Add(MeetingMaxLength)):
		return errs.E(errs.Conflict, "the meeting started at %s, more than %s ago: close it, and vote outside it or in a new meeting",
			m.StartsAt.UTC().Format(time.RFC3339), MeetingMaxLength)
	case !m.onAgenda(r.ID):
		return errs.E(errs.Conflict, "%s is not on the meeting's agenda", r.Ref())
	case !slices.Contains(m.Attendees, actor.UserID):
		return errs.E(errs.Conflict, "record your attendance before voting in the meeting")
	}
	return nil
}

// Votes lists the votes on an RFC, every round.
func (s *Service) Votes(ctx context.Context, actor identity.Actor, idOrRef string) ([]Vote, error) {
	if err := s.requireReader(ctx, actor, "rfc.votes", "rfc", idOrRef); err != nil {
		return nil, err
	}
	var out []Vote
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		r, err := tx.FindRFC(ctx, idOrRef)
		if err != nil {
			return err
		}
		out, err = tx.FindVotes(ctx, r.ID, 0)
		return err
	})
	return out, err
}

// MyApprovals lists the RFCs waiting for the caller's vote: awaiting a
// board they sit on, not their own, and not yet voted on this round.
func (s *Service) MyApprovals(ctx context.Context, actor identity.Actor) ([]RFC, error) {
	if err := s.requireReader(ctx, actor, "rfc.my_approvals", "rfc", ""); err != nil {
		return nil, err
	}
	var out []RFC
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		waiting, err := tx.FindRFCs(ctx, RFCFilter{State: StateAwaitingApproval, Limit: 1000})
		if err != nil {
			return err
		}
		boards := map[BoardKind]*Board{}
		for _, r := range waiting {
			kind, ok := CurrentBoard(r)
			if !ok || r.RequesterID == actor.UserID {
				continue
			}
			if _, seen := boards[kind]; !seen {
				b, err := tx.FindBoardByKind(ctx, kind)
				if err != nil && !errs.Is(err, errs.NotFound) {
					return err
				}
				boards[kind] = nil
				if err == nil {
					boards[kind] = &b
				}
			}
			b := boards[kind]
			if b == nil || !b.IsMember(actor.UserID) {
				continue
			}
			votes, err := tx.FindVotes(ctx, r.ID, r.ApprovalRound)
			if err != nil {
				return err
			}
			if CanVote(r, *b, actor, votes) == nil {
				out = append(out, r)
			}
		}
		return nil
	})
	return out, err
}

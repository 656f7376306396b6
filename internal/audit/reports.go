package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
)

// ControlReport is one control report for a period: its rows, what they
// mean, and the chain head of the trail it was computed from, so that an
// auditor can tie it to a verified (and checkpointed) trail.
type ControlReport struct {
	Name          string           `json:"name"`
	Title         string           `json:"title"`
	Method        string           `json:"method"`
	Expect        string           `json:"expect"`
	From          *time.Time       `json:"from"`
	To            *time.Time       `json:"to"`
	ComputedAt    time.Time        `json:"computed_at"`
	ComputedBy    string           `json:"computed_by"`
	ChainHeadSeq  int64            `json:"chain_head_seq"`
	ChainHeadHash string           `json:"chain_head_hash"`
	Columns       []string         `json:"columns"`
	Rows          []map[string]any `json:"rows"`
}

// ReportInfo describes one report.
type ReportInfo struct {
	Name, Title, Method, Expect string
	Columns                     []string
	// needs names a port the report depends on; until it is wired the
	// report is not available.
	needs string
}

// Reports lists the control reports, in a stable order.
var Reports = []ReportInfo{
	{Name: "unapproved-implementations", Title: "Changes implemented without a prior approval",
		Method: "Every RFC whose audit trail shows it entering `implementing` in the period without an earlier transition into `approved` (the emergency path included: an ECAB authorisation is an approval). Each row names the entry into implementing and the state it came from.",
		Expect: "empty", Columns: []string{"rfc_id", "number", "title", "priority", "implementing_at", "implemented_by", "from_state", "why"}},
	{Name: "sod-violations", Title: "Approvals that broke separation of duties",
		Method: "Every approving vote, and every transition into `approved`, in the period whose actor is the RFC's requester (from its `rfc.create` event).",
		Expect: "empty", Columns: []string{"rfc_id", "number", "title", "at", "actor_id", "action", "why"}},
	{Name: "emergency-changes", Title: "Emergency changes and their retrospective reviews",
		Method: "Every RFC of priority `emergency` that entered `implementing` in the period, with its retrospective review's due date and when it was recorded (`rfc.retro_review`); status is done, done_late, overdue (due before the report was computed, not done) or pending.",
		Expect: "no overdue or done_late rows", Columns: []string{"rfc_id", "number", "title", "implementing_at", "retro_review_due", "retro_reviewed_at", "retro_reviewed_by", "status"}},
	{Name: "unauthorized-ci-changes", Title: "Unauthorised CI changes and whether an RFC later covered them",
		Method: "Every `ci.unauthorized_change` event in the period (a change to an active CI that no implementing RFC covered), with the first RFC (its id) listing that CI among its affected CIs that entered `approved` after it, if any.",
		Expect: "every row covered", Columns: []string{"ci_id", "ci_version", "changed_at", "actor_id", "fields", "covered_by_rfc", "covered_at"}},
	{Name: "deployments-outside-windows", Title: "Deployments outside a maintenance window or inside a blackout",
		Method: "Every deployment target started in the period outside the RFC's approved window or inside a blackout window, unless the RFC is an authorised emergency.",
		Expect: "empty", Columns: []string{"rfc_id", "release_id", "target", "started_at", "why"}, needs: "deployments"},
	{Name: "approval-lead-times", Title: "Approval lead times and implementation success rate by category",
		Method: "Per category, over RFCs whose first transition into `approved` lies in the period: how many, and the mean and longest time from their first `submitted` to that approval; over RFCs that ended implementation (`implemented`, `failed` or `backed_out`) in the period: how many of each and the share implemented.",
		Expect: "", Columns: []string{"category", "approved", "mean_lead_time_hours", "max_lead_time_hours", "implemented", "failed", "backed_out", "success_rate"}},
	{Name: "failed-changes", Title: "Failed and backed-out changes",
		Method: "Every RFC that entered `failed` or `backed_out` in the period, with who recorded it and why.",
		Expect: "", Columns: []string{"rfc_id", "number", "title", "category", "state", "at", "actor_id", "reason"}},
}

// ReportPeriod bounds a report: events at or after From and before To.
type ReportPeriod struct{ From, To *time.Time }

func (p ReportPeriod) holds(t time.Time) bool {
	return (p.From == nil || !t.Before(*p.From)) && (p.To == nil || t.Before(*p.To))
}

// Report computes the named control report over the sealed trail, for
// auditors and admins; the computation is recorded as a read.
func (s *Service) Report(ctx context.Context, actor identity.Actor, name string, p ReportPeriod) (ControlReport, error) {
	if err := s.guard().Require(ctx, actor, "report.read", "report", name, readers...); err != nil {
		return ControlReport{}, err
	}
	i := slices.IndexFunc(Reports, func(r ReportInfo) bool { return r.Name == name })
	if i < 0 {
		return ControlReport{}, errs.E(errs.NotFound, "no report %q", name)
	}
	info := Reports[i]
	if info.needs != "" && s.opt.Deployments == nil {
		return ControlReport{}, errs.E(errs.NotFound, "report %q is not available: it needs the %s of the release capability, which is not wired yet", name, info.needs)
	}
	if p.From != nil && p.To != nil && !p.From.Before(*p.To) {
		return ControlReport{}, errs.Field("to", "must be after from")
	}
	es, ok := s.store.(ExportStore)
	if !ok {
		return ControlReport{}, errs.E(errs.Unavailable, "this store cannot stream the trail")
	}
	if err := s.Record(ctx, Record{Actor: actor, Role: actor.PrimaryRole(readers...), Action: "report.read",
		EntityType: "report", EntityID: name, After: p}); err != nil {
		return ControlReport{}, err
	}
	now := s.now().UTC()
	r := ControlReport{Name: info.Name, Title: info.Title, Method: info.Method, Expect: info.Expect, From: p.From, To: p.To,
		ComputedAt: now, ComputedBy: actor.UserID, Columns: info.Columns, Rows: []map[string]any{}}
	h := newHistory()
	err := es.StreamChain(ctx, ExportFilter{}, func(head Seal) error {
		r.ChainHeadSeq, r.ChainHeadHash = head.Seq, head.Hash
		return nil
	}, func(e Event) error {
		if e.Seq > r.ChainHeadSeq {
			return nil
		}
		h.add(e)
		return nil
	})
	if err != nil {
		return r, err
	}
	if info.needs != "" {
		r.Rows, err = s.deploymentRows(ctx, p)
		return r, err
	}
	r.Rows = h.rows(name, p, now)
	return r, nil
}

// rfcStory is what the trail says about one RFC.
type rfcStory struct {
	id, title, category, priority, requester string
	number                                   int64
	cis                                      []string
	submittedAt, approvedAt                  time.Time
	approved                                 bool
	retroDue, retroDone                      time.Time
	retroBy                                  string
}

type step struct {
	rfc        *rfcStory
	at         time.Time
	actor      string
	action     string
	from, to   string
	reason     string
	approvedAt time.Time
	approved   bool
}

type flag struct {
	ci, actor, fields string
	version           any
	at                time.Time
}

// history is one pass over the trail: the RFCs' stories and the steps
// that the reports select from.
type history struct {
	rfcs  map[string]*rfcStory
	steps []step
	votes []step
	flags []flag
}

func newHistory() *history { return &history{rfcs: map[string]*rfcStory{}} }

func (h *history) add(e Event) {
	if e.Outcome != Success {
		return
	}
	switch {
	case e.EntityType == "rfc":
		h.addRFC(e)
	case e.Action == "ci.unauthorized_change":
		var a map[string]any
		_ = json.Unmarshal([]byte(e.After), &a)
		b, _ := json.Marshal(a["fields"])
		h.flags = append(h.flags, flag{ci: e.EntityID, actor: e.ActorID, fields: string(b), version: a["version"], at: e.OccurredAt})
	}
}

func (h *history) addRFC(e Event) {
	var before, after map[string]any
	_ = json.Unmarshal([]byte(e.Before), &before)
	_ = json.Unmarshal([]byte(e.After), &after)
	r := h.rfcs[e.EntityID]
	if r == nil {
		r = &rfcStory{id: e.EntityID}
		h.rfcs[e.EntityID] = r
	}
	str := func(m map[string]any, k string) (string, bool) { v, ok := m[k].(string); return v, ok }
	if v, ok := str(after, "title"); ok {
		r.title = v
	}
	if v, ok := str(after, "category"); ok {
		r.category = v
	}
	if v, ok := str(after, "priority"); ok {
		r.priority = v
	}
	if v, ok := str(after, "requester_id"); ok && r.requester == "" {
		r.requester = v
	}
	if v, ok := after["number"].(float64); ok {
		r.number = int64(v)
	}
	if v, ok := after["affected_cis"].([]any); ok {
		r.cis = r.cis[:0]
		for _, c := range v {
			if s, ok := c.(string); ok {
				r.cis = append(r.cis, s)
			}
		}
	}
	if v, ok := str(after, "retro_review_due"); ok {
		r.retroDue, _ = time.Parse(time.RFC3339Nano, v)
	}
	if e.Action == "rfc.retro_review" {
		r.retroDone, r.retroBy = e.OccurredAt, e.ActorID
	}
	if e.Action == "rfc.vote" {
		if d, _ := str(after, "decision"); d == "approve" {
			h.votes = append(h.votes, step{rfc: r, at: e.OccurredAt, actor: e.ActorID, action: e.Action})
		}
		return
	}
	to, ok := str(after, "state")
	if !ok {
		return
	}
	from, _ := str(before, "state")
	s := step{rfc: r, at: e.OccurredAt, actor: e.ActorID, action: e.Action, from: from, to: to, reason: e.Reason,
		approved: r.approved, approvedAt: r.approvedAt}
	h.steps = append(h.steps, s)
	switch to {
	case "submitted":
		if r.submittedAt.IsZero() {
			r.submittedAt = e.OccurredAt
		}
	case "approved":
		if !r.approved {
			r.approved, r.approvedAt = true, e.OccurredAt
		}
	}
}

func fmtTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}

func (h *history) rows(name string, p ReportPeriod, now time.Time) []map[string]any {
	out := []map[string]any{}
	switch name {
	case "unapproved-implementations":
		for _, s := range h.steps {
			if s.to == "implementing" && !s.approved && p.holds(s.at) {
				out = append(out, map[string]any{"rfc_id": s.rfc.id, "number": s.rfc.number, "title": s.rfc.title,
					"priority": s.rfc.priority, "implementing_at": fmtTime(s.at), "implemented_by": s.actor, "from_state": s.from,
					"why": fmt.Sprintf("entered implementing from %s at %s by %s; the trail holds no earlier transition into approved", s.from, fmtTime(s.at), s.actor)})
			}
		}
	case "sod-violations":
		for _, s := range append(slices.Clone(h.votes), h.steps...) {
			if (s.action == "rfc.vote" || (s.to == "approved" && s.from != "approved")) && s.actor == s.rfc.requester && s.actor != "" && p.holds(s.at) {
				why := "the requester approved their own change"
				if s.action == "rfc.vote" {
					why = "the requester voted to approve their own change"
				}
				out = append(out, map[string]any{"rfc_id": s.rfc.id, "number": s.rfc.number, "title": s.rfc.title,
					"at": fmtTime(s.at), "actor_id": s.actor, "action": s.action, "why": why})
			}
		}
		sort.SliceStable(out, func(i, j int) bool { return out[i]["at"].(string) < out[j]["at"].(string) })
	case "emergency-changes":
		seen := map[string]bool{}
		for _, s := range h.steps {
			r := s.rfc
			if s.to != "implementing" || r.priority != "emergency" || seen[r.id] || !p.holds(s.at) {
				continue
			}
			seen[r.id] = true
			status := "pending"
			switch {
			case !r.retroDone.IsZero() && (r.retroDue.IsZero() || !r.retroDone.After(r.retroDue)):
				status = "done"
			case !r.retroDone.IsZero():
				status = "done_late"
			case !r.retroDue.IsZero() && now.After(r.retroDue):
				status = "overdue"
			}
			out = append(out, map[string]any{"rfc_id": r.id, "number": r.number, "title": r.title, "implementing_at": fmtTime(s.at),
				"retro_review_due": fmtTime(r.retroDue), "retro_reviewed_at": fmtTime(r.retroDone), "retro_reviewed_by": r.retroBy, "status": status})
		}
	case "unauthorized-ci-changes":
		for _, f := range h.flags {
			if !p.holds(f.at) {
				continue
			}
			row := map[string]any{"ci_id": f.ci, "ci_version": f.version, "changed_at": fmtTime(f.at), "actor_id": f.actor,
				"fields": f.fields, "covered_by_rfc": nil, "covered_at": nil}
			var best *step
			for i := range h.steps {
				s := &h.steps[i]
				if s.to == "approved" && s.from != "approved" && s.at.After(f.at) && slices.Contains(s.rfc.cis, f.ci) && (best == nil || s.at.Before(best.at)) {
					best = s
				}
			}
			if best != nil {
				row["covered_by_rfc"], row["covered_at"] = best.rfc.id, fmtTime(best.at)
			}
			out = append(out, row)
		}
	case "approval-lead-times":
		type agg struct {
			approved, implemented, failed, backedOut int
			total, longest                           time.Duration
		}
		by := map[string]*agg{}
		get := func(c string) *agg {
			if by[c] == nil {
				by[c] = &agg{}
			}
			return by[c]
		}
		for _, s := range h.steps {
			if !p.holds(s.at) {
				continue
			}
			r := s.rfc
			switch {
			case s.to == "approved" && s.at.Equal(r.approvedAt):
				a := get(r.category)
				a.approved++
				if !r.submittedAt.IsZero() {
					d := s.at.Sub(r.submittedAt)
					a.total += d
					a.longest = max(a.longest, d)
				}
			case s.to == "implemented":
				get(r.category).implemented++
			case s.to == "failed":
				get(r.category).failed++
			case s.to == "backed_out":
				get(r.category).backedOut++
			}
		}
		cats := make([]string, 0, len(by))
		for c := range by {
			cats = append(cats, c)
		}
		sort.Strings(cats)
		for _, c := range cats {
			a := by[c]
			row := map[string]any{"category": c, "approved": a.approved, "mean_lead_time_hours": nil, "max_lead_time_hours": nil,
				"implemented": a.implemented, "failed": a.failed, "backed_out": a.backedOut, "success_rate": nil}
			if a.approved > 0 {
				row["mean_lead_time_hours"] = round2(a.total.Hours() / float64(a.approved))
				row["max_lead_time_hours"] = round2(a.longest.Hours())
			}
			if n := a.implemented + a.failed + a.backedOut; n > 0 {
				row["success_rate"] = round2(float64(a.implemented) / float64(n))
			}
			out = append(out, row)
		}
	case "failed-changes":
		for _, s := range h.steps {
			if (s.to == "failed" || s.to == "backed_out") && s.from != s.to && p.holds(s.at) {
				out = append(out, map[string]any{"rfc_id": s.rfc.id, "number": s.rfc.number, "title": s.rfc.title,
					"category": s.rfc.category, "state": s.to, "at": fmtTime(s.at), "actor_id": s.actor, "reason": s.reason})
			}
		}
	}
	return out
}

func round2(f float64) float64 { return float64(int64(f*100+0.5)) / 100 }

// Deployment is one deployment target's start as the release capability
// records it, with its window check.
type Deployment struct {
	RFCID, ReleaseID, Target string
	StartedAt                time.Time
	// Violation says why the start broke the windows ("" when it did not):
	// outside the approved window, or inside a blackout.
	Violation string
	Emergency bool
}

// Deployments is the port the deployment report needs, implemented by the
// release capability once it is wired in internal/app.
type Deployments interface {
	DeploymentsStarted(ctx context.Context, from, to *time.Time, fn func(Deployment) error) error
}

func (s *Service) deploymentRows(ctx context.Context, p ReportPeriod) ([]map[string]any, error) {
	out := []map[string]any{}
	err := s.opt.Deployments.DeploymentsStarted(ctx, p.From, p.To, func(d Deployment) error {
		if d.Violation != "" && !d.Emergency {
			out = append(out, map[string]any{"rfc_id": d.RFCID, "release_id": d.ReleaseID, "target": d.Target,
				"started_at": fmtTime(d.StartedAt), "why": d.Violation})
		}
		return nil
	})
	return out, err
}

package cmdb

import (
	"cmp"
	"context"
	"slices"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/workflow"
)

// Direction says which way impact analysis walks.
type Direction string

// The directions.
const (
	// Downstream: what is impacted when the CI changes or fails — the CIs
	// that rely on it, and those that rely on them.
	Downstream Direction = "downstream"
	// Upstream: what the CI relies on, transitively.
	Upstream Direction = "upstream"
	// Both walks each way separately and lists both.
	Both Direction = "both"
)

// ParseDirection reads a direction.
func ParseDirection(s string) (Direction, error) {
	return workflow.ParseEnum("direction", s, []Direction{Upstream, Downstream, Both})
}

// Impact depth limits.
const (
	DefaultImpactDepth = 3
	MaxImpactDepth     = 10
	// MaxImpactRoots caps the CIs ImpactSize starts from.
	MaxImpactRoots = 10000
)

// CIRef is what impact analysis says about each CI it reaches.
type CIRef struct {
	ID          string
	Name        string
	Type        Type
	Criticality Criticality
	State       State
}

// ImpactHit is a CI a walk reached, at the least depth it was reached,
// with the CI one step nearer the start and the relationship between them.
type ImpactHit struct {
	CI       CIRef
	Depth    int
	ParentID string
	Via      RelationshipType
}

// PathStep is one CI on the way from the analysed CI, and the type of the
// relationship that led to it.
type PathStep struct {
	ID   string
	Name string
	Via  RelationshipType
}

// Impacted is one CI impact analysis reached: how far, which way, by
// which path (from the analysed CI, excluded, to this one, included).
type Impacted struct {
	CI        CIRef
	Direction Direction
	Depth     int
	Path      []PathStep
}

// ImpactSummary counts the distinct CIs reached.
type ImpactSummary struct {
	Total         int
	ByCriticality map[Criticality]int
	ByType        map[Type]int
	// Highest is the highest criticality reached; empty when none.
	Highest Criticality
}

// Impact is the answer of impact analysis for one CI.
type Impact struct {
	Root      CIRef
	Direction Direction
	Depth     int
	// Items are sorted by direction, depth, criticality (highest first)
	// and name.
	Items   []Impacted
	Summary ImpactSummary
}

func checkDepth(depth int) error {
	if depth < 1 || depth > MaxImpactDepth {
		return errs.Field("depth", "must be a whole number from 1 to 10")
	}
	return nil
}

// Impact walks the dependency graph from one CI (everyone but agents).
// The walk runs in the database; cycles end at the depth limit, and each
// CI is listed once per direction, by a shortest path.
func (s *Service) Impact(ctx context.Context, actor identity.Actor, idOrName string, dir Direction, depth int) (Impact, error) {
	if err := s.requireReader(ctx, actor, "ci.impact", "ci", idOrName); err != nil {
		return Impact{}, err
	}
	if err := checkDepth(depth); err != nil {
		return Impact{}, err
	}
	out := Impact{Direction: dir, Depth: depth, Items: []Impacted{}}
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		c, err := tx.FindCI(ctx, idOrName)
		if err != nil {
			return err
		}
		out.Root = refOf(c)
		for _, d := range walks(dir) {
			hits, err := tx.WalkImpact(ctx, []string{c.ID}, d, depth)
			if err != nil {
				return err
			}
			out.Items = append(out.Items, impacted(d, hits, setOf(c.ID))...)
		}
		return nil
	})
	sortImpacted(out.Items)
	out.Summary = summarize(out.Items)
	return out, err
}

// ImpactSize is impact analysis over a set of CIs, summarised: how many
// distinct CIs outside the set it reaches and how critical they are (for
// an RFC's risk). Unknown ids reach nothing.
func (s *Service) ImpactSize(ctx context.Context, actor identity.Actor, ids []string, dir Direction, depth int) (ImpactSummary, error) {
	if err := s.requireReader(ctx, actor, "ci.impact", "ci", ""); err != nil {
		return ImpactSummary{}, err
	}
	if err := checkDepth(depth); err != nil {
		return ImpactSummary{}, err
	}
	roots := compact(ids)
	if len(roots) > MaxImpactRoots {
		return ImpactSummary{}, errs.Field("ids", "at most "+itoa(MaxImpactRoots)+" CIs")
	}
	var items []Impacted
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		for _, d := range walks(dir) {
			hits, err := tx.WalkImpact(ctx, roots, d, depth)
			if err != nil {
				return err
			}
			items = append(items, impacted(d, hits, setOf(roots...))...)
		}
		return nil
	})
	return summarize(items), err
}

func walks(dir Direction) []Direction {
	if dir == Both {
		return []Direction{Upstream, Downstream}
	}
	return []Direction{dir}
}

func setOf(ids ...string) map[string]bool {
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out
}

func refOf(c CI) CIRef {
	return CIRef{ID: c.ID, Name: c.Name, Type: c.Type, Criticality: c.Criticality, State: c.State}
}

// impacted turns one walk's hits into items with their paths, leaving out
// the roots (reached again through a cycle).
func impacted(dir Direction, hits []ImpactHit, roots map[string]bool) []Impacted {
	byID := make(map[string]ImpactHit, len(hits))
	for _, h := range hits {
		byID[h.CI.ID] = h
	}
	out := make([]Impacted, 0, len(hits))
	for _, h := range hits {
		if roots[h.CI.ID] {
			continue
		}
		out = append(out, Impacted{CI: h.CI, Direction: dir, Depth: h.Depth, Path: pathTo(h, byID, roots)})
	}
	return out
}

// pathTo follows the parents back to a root. Each parent was reached one
// step nearer, so the chain is as long as the depth and cannot loop.
func pathTo(h ImpactHit, byID map[string]ImpactHit, roots map[string]bool) []PathStep {
	path := make([]PathStep, h.Depth)
	for i := h.Depth - 1; i >= 0; i-- {
		path[i] = PathStep{ID: h.CI.ID, Name: h.CI.Name, Via: h.Via}
		if roots[h.ParentID] {
			return path[i:]
		}
		next, ok := byID[h.ParentID]
		if !ok {
			return path[i:]
		}
		h = next
	}
	return path
}

func sortImpacted(items []Impacted) {
	slices.SortFunc(items, func(a, b Impacted) int {
		return cmp.Or(cmp.Compare(a.Direction, b.Direction), cmp.Compare(a.Depth, b.Depth),
			cmp.Compare(b.CI.Criticality.Rank(), a.CI.Criticality.Rank()), cmp.Compare(a.CI.Name, b.CI.Name))
	})
}

func summarize(items []Impacted) ImpactSummary {
	sum := ImpactSummary{ByCriticality: map[Criticality]int{}, ByType: map[Type]int{}}
	seen := map[string]bool{}
	for _, it := range items {
		if seen[it.CI.ID] {
			continue
		}
		seen[it.CI.ID] = true
		sum.Total++
		sum.ByCriticality[it.CI.Criticality]++
		sum.ByType[it.CI.Type]++
		if it.CI.Criticality.Rank() > sum.Highest.Rank() {
			sum.Highest = it.CI.Criticality
		}
	}
	return sum
}

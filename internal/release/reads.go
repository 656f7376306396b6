package release

import (
	"context"
	"time"

	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/page"
)

// DeploymentView is a deployment with its progress.
type DeploymentView struct {
	Deployment Deployment
	Progress   Progress
}

// GetDeployment returns one deployment with its waves and progress.
func (s *Service) GetDeployment(ctx context.Context, actor identity.Actor, id string) (DeploymentView, error) {
	if err := s.requireReader(ctx, actor, "deployment.read", "deployment", id); err != nil {
		return DeploymentView{}, err
	}
	var v DeploymentView
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		d, err := tx.FindDeployment(ctx, id)
		if err != nil {
			return err
		}
		counts, err := tx.CountTargets(ctx, d.ID)
		if err != nil {
			return err
		}
		v = DeploymentView{Deployment: d, Progress: progress(d, counts, s.now())}
		return nil
	})
	return v, err
}

// ListDeployments lists a release's deployments, newest first.
func (s *Service) ListDeployments(ctx context.Context, actor identity.Actor, releaseIDOrRef string) ([]DeploymentView, error) {
	if err := s.requireReader(ctx, actor, "deployment.list", "release", releaseIDOrRef); err != nil {
		return nil, err
	}
	var out []DeploymentView
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		r, err := tx.FindRelease(ctx, releaseIDOrRef)
		if err != nil {
			return err
		}
		deps, err := tx.FindDeployments(ctx, r.ID)
		if err != nil {
			return err
		}
		for _, d := range deps {
			counts, err := tx.CountTargets(ctx, d.ID)
			if err != nil {
				return err
			}
			out = append(out, DeploymentView{Deployment: d, Progress: progress(d, counts, s.now())})
		}
		return nil
	})
	return out, err
}

// ListTargets pages through a deployment's targets by CI id.
func (s *Service) ListTargets(ctx context.Context, actor identity.Actor, f TargetFilter) (page.Page[Target], error) {
	if err := s.requireReader(ctx, actor, "deployment.read", "deployment", f.DeploymentID); err != nil {
		return page.Page[Target]{}, err
	}
	limit := f.Limit
	f.Limit = page.Fetch(limit)
	var out []Target
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		if _, err := tx.FindDeployment(ctx, f.DeploymentID); err != nil {
			return err
		}
		var err error
		out, err = tx.FindTargets(ctx, f)
		return err
	})
	return page.Cut(out, limit, func(t Target) string { return page.Text(t.CIID) }), err
}

// CIDeployments pages through what was deployed to a CI, newest first,
// with the RFC and release of each.
func (s *Service) CIDeployments(ctx context.Context, actor identity.Actor, ciIDOrName, cursor string, limit int) (page.Page[CIDeployment], error) {
	if err := s.requireReader(ctx, actor, "deployment.list", "ci", ciIDOrName); err != nil {
		return page.Page[CIDeployment]{}, err
	}
	var out []CIDeployment
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		ciID, _, err := tx.FindCIAgent(ctx, ciIDOrName)
		if err != nil {
			return err
		}
		out, err = tx.FindCIDeployments(ctx, ciID, cursor, page.Fetch(limit))
		return err
	})
	return page.Cut(out, limit, func(c CIDeployment) string {
		return page.Text(c.CreatedAt.Format(time.RFC3339Nano) + "|" + c.Target.DeploymentID)
	}), err
}

// PlannedWave is a deployment wave on the forward schedule.
type PlannedWave struct {
	DeploymentID string
	ReleaseID    string
	ReleaseName  string
	Wave         Wave
	CIs          []string
	// Version is the deployment's: it rises whenever the deployment moves.
	Version int64
}

// WavesBetween lists the waves of active deployments whose window
// overlaps [from, to), for the forward schedule of change and its overlap
// check (schedule.WaveSource, adapted in internal/app). Called with
// another use case's ctx, it reads inside that transaction.
func (s *Service) WavesBetween(ctx context.Context, from, to time.Time) ([]PlannedWave, error) {
	var out []PlannedWave
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) (err error) {
		out, err = tx.FindWavesBetween(ctx, from, to)
		return err
	})
	return out, err
}

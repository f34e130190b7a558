package codegen

import (
	"context"
	"maps"
	"slices"
	"time"

	"socrates/internal/store"
)

// DefaultLease is how long a generation's heartbeat stays fresh when Deps
// leaves Lease zero.
//
// Several instances may serve one database. The instance that records a
// generation runs it and refreshes its heartbeat every quarter lease
// while it waits for a worker and while it runs; every instance sweeps
// as often, failing (ReasonRestart) the PENDING and IN_PROGRESS
// generations whose heartbeat is older than the lease, so a generation
// whose instance stopped (a crash, a restart, a lost host) ends FAILED
// within about a lease, while the generations other instances still run
// are left alone. Progress reaches every instance through the events
// broker, as the other events do.
const DefaultLease = time.Minute

// own records that this instance runs id (mine) or no longer does.
func (s *Service) own(id int64, mine bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if mine {
		s.owned[id] = true
	} else {
		delete(s.owned, id)
	}
}

// keepAlive refreshes the heartbeats of the generations this instance
// owns and sweeps stale ones every quarter lease, until Close.
func (s *Service) keepAlive() {
	defer s.wg.Done()
	tick := time.NewTicker(s.d.Lease / 4)
	defer tick.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-tick.C:
		}
		ctx, cancel := context.WithTimeout(s.ctx, s.d.Lease/4)
		s.mu.Lock()
		ids := slices.Sorted(maps.Keys(s.owned))
		s.mu.Unlock()
		if err := s.d.Store.TouchGenerations(ctx, ids, s.d.Clock()); err != nil {
			s.d.Logger.Warn("code generation: refresh heartbeats", "generations", len(ids), "error", err.Error())
		}
		if _, err := s.sweep(ctx); err != nil {
			s.d.Logger.Warn("code generation: fail stale generations", "error", err.Error())
		}
		cancel()
	}
}

// sweep marks FAILED (ReasonRestart) the unfinished generations whose
// heartbeat is older than the lease, tells their subscribers, and returns
// how many there were.
func (s *Service) sweep(ctx context.Context) (int, error) {
	now := s.d.Clock()
	return store.InTx(ctx, s.d.Store, func(ctx context.Context) (int, error) {
		failed, err := s.d.Store.FailStaleGenerations(ctx, ReasonRestart, now.Add(-s.d.Lease), now)
		if err != nil {
			return 0, err
		}
		for _, g := range failed {
			s.publish(ctx, g, 0, "")
		}
		return len(failed), nil
	})
}

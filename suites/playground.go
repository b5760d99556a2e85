package suites

import (
	"context"
	"fmt"
	"time"

	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/adminclient"
	"github.com/authchaos/authchaos/fakeserver/config"
	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/scenarios"
)

// playground is the fake server one scenario plays on: a fresh one in
// process (the default, so scenarios run in parallel and share nothing),
// or a running `authchaos serve` steered over its admin API
// (Options.Server), where scenarios play one after another in view of its
// live page.
type playground interface {
	URL() string
	Config() *config.File
	Fixtures() map[string]string
	Advance(d time.Duration) error
	Do(a fault.Action, arg string) error
	// Entries are the journal entries after seq since.
	Entries(since int64) ([]fakeserver.Entry, error)
	LastSeq() int64
}

// local is a fake server of the scenario's own.
type local struct{ *fakeserver.Server }

func (l local) Advance(d time.Duration) error { l.Server.Advance(d); return nil }

func (l local) Entries(since int64) ([]fakeserver.Entry, error) {
	return l.Journal().Entries(since), nil
}

func (l local) LastSeq() int64 { return l.Journal().LastSeq() }

// remote is a running server, already switched to the scenario.
type remote struct {
	ctx      context.Context
	c        *adminclient.Client
	cfg      *config.File
	fixtures map[string]string
	last     int64 // the newest seq seen, for LastSeq
}

func (r *remote) URL() string                 { return r.c.URL() }
func (r *remote) Config() *config.File        { return r.cfg }
func (r *remote) Fixtures() map[string]string { return maps(r.fixtures) }

func (r *remote) Advance(d time.Duration) error {
	_, err := r.c.Advance(r.ctx, d)
	return err
}

func (r *remote) Do(a fault.Action, arg string) error { return r.c.Do(r.ctx, string(a), arg) }

func (r *remote) Entries(since int64) ([]fakeserver.Entry, error) {
	// The harness's own context: evidence is still read after an interrupt.
	es, err := r.c.Journal(context.WithoutCancel(r.ctx), since)
	if err != nil {
		return nil, err
	}
	if n := len(es); n > 0 && es[n-1].Seq > r.last {
		r.last = es[n-1].Seq
	}
	return es, nil
}

// LastSeq is the newest seq the harness has seen; the journal is read
// after every step, so nothing of the scenario's is older.
func (r *remote) LastSeq() int64 {
	_, _ = r.Entries(r.last)
	return r.last
}

func maps(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// openPlayground sets sc up on a fresh server, or on o.Server; close
// releases it.
func openPlayground(ctx context.Context, o *Options, sc *scenarios.Scenario) (p playground, close func(), err error) {
	id := sc.ID
	if o.Server == nil {
		srv, err := fakeserver.New(fakeserver.WithConfig(o.Config))
		if err != nil {
			return nil, nil, fmt.Errorf("fake server: %w", err)
		}
		if err := srv.Start(); err != nil {
			return nil, nil, fmt.Errorf("fake server: %w", err)
		}
		if err := srv.Activate([]string{id}, sc.Given); err != nil {
			srv.Close()
			return nil, nil, fmt.Errorf("activate %s: %w", id, err)
		}
		return local{srv}, func() { srv.Close() }, nil
	}
	// Activation resets the server's state and clears its journal.
	st, err := o.Server.Activate(ctx, adminclient.Activation{ID: id, Params: sc.Given})
	if err != nil {
		return nil, nil, fmt.Errorf("server %s: activate %s: %w", o.Server.URL(), id, err)
	}
	return &remote{ctx: ctx, c: o.Server, cfg: o.Config, fixtures: st.Fixtures}, func() {}, nil
}

package sync

import (
	"context"
	gosync "sync"
)

// pool runs jobs on a fixed number of workers, first queued first run.
// Jobs may queue more jobs; wait returns once every job queued, those
// included, has finished.
type pool struct {
	mu      gosync.Mutex
	cond    *gosync.Cond
	queue   []func(context.Context)
	closed  bool
	pending gosync.WaitGroup
	workers gosync.WaitGroup
}

func newPool(ctx context.Context, n int) *pool {
	p := &pool{}
	p.cond = gosync.NewCond(&p.mu)
	for range n {
		p.workers.Go(func() { p.work(ctx) })
	}
	return p
}

// add queues job. Call it before the job that queues it returns.
func (p *pool) add(job func(context.Context)) {
	p.pending.Add(1)
	p.mu.Lock()
	p.queue = append(p.queue, job)
	p.mu.Unlock()
	p.cond.Signal()
}

func (p *pool) work(ctx context.Context) {
	for {
		p.mu.Lock()
		for len(p.queue) == 0 && !p.closed {
			p.cond.Wait()
		}
		if len(p.queue) == 0 {
			p.mu.Unlock()
			return
		}
		job := p.queue[0]
		p.queue[0] = nil
		p.queue = p.queue[1:]
		p.mu.Unlock()
		job(ctx)
		p.pending.Done()
	}
}

// wait blocks until no job is queued or running, then stops the workers.
func (p *pool) wait() {
	p.pending.Wait()
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.cond.Broadcast()
	p.workers.Wait()
}

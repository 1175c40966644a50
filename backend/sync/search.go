package sync

import (
	"context"
	"errors"
	"fmt"

	"chartkeep/backend/fhirclient"
	"chartkeep/backend/store"
)

// search runs one search of the plan, from its cursor when the cycle's
// earlier runs left one, and records it done once its last page is stored.
func (r *runner) search(ctx context.Context, q Search) {
	defer r.st.finished(q.Type)
	if ctx.Err() != nil || r.done.has(q.Key()) {
		return
	}
	if err := r.pages(ctx, q, r.cursors[q.Key()]); err != nil {
		r.fail(ctx, q.Type, q.Label(), err)
		return
	}
	r.done.add(q.Key())
}

// pages fetches and stores the pages of q after cur. A cursor the server
// no longer knows (HAPI forgets _getpages searches after a while) or that
// no longer maps onto the base restarts the search from the beginning;
// upserts make the pages stored twice harmless.
func (r *runner) pages(ctx context.Context, q Search, cur store.SyncCursor) error {
	if cur.Next != "" {
		c := r.committer(ctx, q, cur.Pages)
		err := c.close(r.s.FHIR.Resume(ctx, q.Type, cur.Next, c.put))
		if err == nil || c.committed > 0 || !restartable(err) {
			return err
		}
		r.s.log().Info("sync: resume point refused, searching again", "type", q.Type,
			"status", statusOf(err))
	}
	c := r.committer(ctx, q, 0)
	return c.close(r.s.FHIR.Search(ctx, q.Type, q.Query, c.put))
}

func restartable(err error) bool {
	switch statusOf(err) {
	case 400, 404, 410:
		return true
	}
	return errors.Is(err, fhirclient.ErrUnmappableLink)
}

// committer stores a search's pages in order on its own goroutine, so that
// the next page is fetched while the last one is written. Writes ignore
// the run's cancellation: a page fetched is a page kept.
type committer struct {
	r     *runner
	q     Search
	in    chan *fhirclient.Page
	stop  chan struct{} // closed when the goroutine ends
	err   error         // why it ended early; read after stop
	pages int           // pages of the search committed in the cycle
	// committed counts the pages this committer stored.
	committed int
}

func (r *runner) committer(ctx context.Context, q Search, pages int) *committer {
	c := &committer{r: r, q: q, in: make(chan *fhirclient.Page, 1),
		stop: make(chan struct{}), pages: pages}
	go c.loop(context.WithoutCancel(ctx))
	return c
}

func (c *committer) loop(ctx context.Context) {
	defer close(c.stop)
	for p := range c.in {
		if err := c.r.storePage(ctx, c.q, p, c.pages+1); err != nil {
			c.err = err
			return
		}
		c.pages++
		c.committed++
	}
}

// put hands a page over; it fails once the committer has failed.
func (c *committer) put(p *fhirclient.Page) error {
	select {
	case c.in <- p:
		return nil
	case <-c.stop:
		return c.err
	}
}

// close waits for the pages handed over to be stored and returns the
// store's error if there was one, else searchErr.
func (c *committer) close(searchErr error) error {
	close(c.in)
	<-c.stop
	if c.err != nil {
		return c.err
	}
	return searchErr
}

// storePage stores one page, its inline attachments and the search's new
// cursor in one transaction, then queues what the page refers to.
func (r *runner) storePage(ctx context.Context, q Search, p *fhirclient.Page, n int) error {
	b := r.rows(q.Type, p.Entries)
	cur := &store.SyncCursor{ConnectionID: r.s.ConnectionID, Search: q.Key(), Cycle: r.cycle,
		Next: p.Next, Pages: n, Done: p.Last}
	err := r.s.Store.SavePage(ctx, &store.Page{Resources: b.rows, Attachments: b.inline,
		Cursor: cur})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrStore, err)
	}
	r.st.stored(q.Type, b.keys)
	r.storedInline(b.inline)
	r.follow(b.refs, 1)
	r.attach(b.atts)
	return nil
}

package fhirclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// Page is one searchset Bundle page.
type Page struct {
	// Number counts pages from 1.
	Number int
	// Entries are the entries' resources, byte for byte as received.
	// Entries without a resource and OperationOutcome entries with
	// search.mode "outcome" are left out.
	Entries []json.RawMessage
	// Outcomes counts the search.mode "outcome" entries left out.
	Outcomes int
	// Next is the next page's URL, already rewritten onto the base, or
	// empty on the last page. Resume continues the search from it.
	Next string
	// Last is set when the server gave no next link: the search is
	// complete. A page whose next link was refused (ErrUnmappableLink,
	// ErrPageLoop) has neither Next nor Last.
	Last bool
}

type bundle struct {
	ResourceType string `json:"resourceType"`
	Link         []struct {
		Relation string `json:"relation"`
		URL      string `json:"url"`
	} `json:"link"`
	Entry []struct {
		Resource json.RawMessage `json:"resource"`
		Search   struct {
			Mode string `json:"mode"`
		} `json:"search"`
	} `json:"entry"`
}

// Search runs GET {base}/{typ}?{q} and calls fn once per page, following
// next links until there are none. Bundle.total is ignored: healow reports
// its _count there (HEALOW.md §3). fn's error stops the search and is
// returned as is.
//
// A page whose next link cannot be mapped onto the base, or points back at
// a page already fetched, is still passed to fn; Search then returns
// ErrUnmappableLink or ErrPageLoop.
func (c *Client) Search(ctx context.Context, typ string, q url.Values,
	fn func(*Page) error) error {
	if !typeRE.MatchString(typ) {
		return fmt.Errorf("%w: resource type", ErrBadRequest)
	}
	if c.baseErr != nil {
		return c.baseErr
	}
	u, err := url.Parse(c.base.String() + "/" + typ)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	u.RawQuery = q.Encode()
	return c.follow(ctx, typ, u, fn)
}

// Resume continues a search of typ at link, the Next of a page an earlier
// Search or Resume passed to fn, and goes on as Search does; pages are
// numbered from 1 at link. A link not under the base fails with
// ErrUnmappableLink before any request.
//
// The server may have forgotten the search behind the link (HAPI keeps
// _getpages results for a while only): it then answers 410 or 404, and the
// caller should run the search again from the start.
func (c *Client) Resume(ctx context.Context, typ, link string, fn func(*Page) error) error {
	if !typeRE.MatchString(typ) {
		return fmt.Errorf("%w: resource type", ErrBadRequest)
	}
	if c.baseErr != nil {
		return c.baseErr
	}
	u, err := url.Parse(link)
	if err != nil || !c.underBase(u) {
		return fmt.Errorf("resume %s: %w", typ, ErrUnmappableLink)
	}
	return c.follow(ctx, typ, u, fn)
}

func (c *Client) follow(ctx context.Context, typ string, u *url.URL,
	fn func(*Page) error) error {
	seen := map[string]bool{u.String(): true}
	for n := 1; ; n++ {
		if n > c.MaxPages {
			return fmt.Errorf("search %s: %w (%d)", typ, ErrTooManyPages, c.MaxPages)
		}
		page, next, linkErr, err := c.page(ctx, u, typ, n)
		if err != nil {
			return fmt.Errorf("search %s page %d: %w", typ, n, err)
		}
		if next != nil && seen[next.String()] {
			next, page.Next, linkErr = nil, "", ErrPageLoop
		}
		if err := fn(page); err != nil {
			return err
		}
		if linkErr != nil {
			return fmt.Errorf("search %s page %d: %w", typ, n, linkErr)
		}
		if next == nil {
			return nil
		}
		seen[next.String()] = true
		u = next
	}
}

// page fetches and decodes one page. linkErr reports a next link that
// cannot be followed; err a page that could not be had.
func (c *Client) page(ctx context.Context, u *url.URL, typ string,
	n int) (p *Page, next *url.URL, linkErr, err error) {
	a, err := c.get(ctx, u, call{typ: typ, page: n})
	if err != nil {
		return nil, nil, nil, err
	}
	var b bundle
	if err := json.Unmarshal(a.body, &b); err != nil {
		return nil, nil, nil, fmt.Errorf("%w: %v", ErrBadResponse, err)
	}
	if b.ResourceType != "Bundle" {
		return nil, nil, nil, fmt.Errorf("%w: resourceType %q, want Bundle",
			ErrBadResponse, clean(b.ResourceType))
	}
	p = &Page{Number: n, Last: true}
	for _, e := range b.Entry {
		switch {
		case len(e.Resource) == 0 || string(e.Resource) == "null":
		case e.Search.Mode == "outcome":
			p.Outcomes++
		default:
			p.Entries = append(p.Entries, e.Resource)
		}
	}
	for _, l := range b.Link {
		if l.Relation != "next" || l.URL == "" {
			continue
		}
		p.Last = false
		if next, linkErr = c.Rewrite(l.URL); linkErr == nil {
			p.Next = next.String()
		}
		break
	}
	return p, next, linkErr, nil
}

// Rewrite maps a link the server returned onto the practice base, or fails
// with ErrUnmappableLink. healow answers with absolute links over plain http
// on another host (http://fhir4.eclinicalworks.com/fhir/r4/{code}/...), and
// following them as they are would send the token there (HEALOW.md §3).
//
// The part of the path after the base's own path, or else after the last
// segment equal to the practice code, is appended to the base with the
// link's query. A relative link is resolved against the base first.
func (c *Client) Rewrite(link string) (*url.URL, error) {
	if c.baseErr != nil {
		return nil, c.baseErr
	}
	l, err := url.Parse(link)
	if err != nil {
		return nil, fmt.Errorf("%w: unparsable", ErrUnmappableLink)
	}
	if !l.IsAbs() && l.Host == "" {
		dir := *c.base
		dir.Path += "/"
		l = dir.ResolveReference(l)
	}
	rest, ok := c.tail(l.EscapedPath())
	if !ok {
		return nil, ErrUnmappableLink
	}
	for _, seg := range strings.Split(rest, "/") {
		if s, err := url.PathUnescape(seg); err != nil || s == "." || s == ".." {
			return nil, fmt.Errorf("%w: dot segment", ErrUnmappableLink)
		}
	}
	out, err := url.Parse(c.base.String())
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnmappableLink, err)
	}
	if rest != "" {
		out, err = url.Parse(c.base.String() + "/" + rest)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrUnmappableLink, err)
		}
	}
	out.RawQuery = l.RawQuery
	return out, nil
}

// tail returns the escaped path after the base path, or after the last
// segment equal to the practice code, without its leading slash.
func (c *Client) tail(p string) (string, bool) {
	bp := c.base.EscapedPath()
	if p == bp {
		return "", true
	}
	if rest, ok := strings.CutPrefix(p, bp+"/"); ok {
		return rest, true
	}
	segs := strings.Split(p, "/")
	for i := len(segs) - 1; i >= 0; i-- {
		if s, err := url.PathUnescape(segs[i]); err == nil && s == c.code {
			return strings.Join(segs[i+1:], "/"), true
		}
	}
	return "", false
}

// Reference resolves a FHIR reference to a type and id that Read can fetch:
// a relative "Type/id", or an absolute URL that Rewrite maps onto the base.
// Contained ("#...") and unmappable references, and version suffixes
// ("/_history/n"), give ok false or are dropped respectively.
func (c *Client) Reference(ref string) (typ, id string, ok bool) {
	if ref == "" || strings.HasPrefix(ref, "#") || strings.HasPrefix(ref, "urn:") {
		return "", "", false
	}
	path := ref
	if strings.Contains(ref, "://") {
		u, err := c.Rewrite(ref)
		if err != nil {
			return "", "", false
		}
		path = strings.TrimPrefix(u.Path, c.base.Path+"/")
	}
	path, _, _ = strings.Cut(path, "?")
	parts := strings.Split(path, "/")
	if len(parts) == 4 && parts[2] == "_history" {
		parts = parts[:2]
	}
	if len(parts) != 2 || !typeRE.MatchString(parts[0]) || parts[1] == "" {
		return "", "", false
	}
	return parts[0], parts[1], true
}

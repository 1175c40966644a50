// Package fhirclient is a read-only FHIR R4 HTTP client shaped by the way
// eClinicalWorks' healow API behaves (HEALOW.md §3).
//
// It reads resources by id, reads Binary attachments, and runs type searches
// page by page; a search can be resumed from a page's next link. It sends
// the bearer token only to URLs under the practice base it was built with:
// every Bundle next link and attachment url is rewritten onto that base or
// refused, because healow returns them over plain http on another host. It
// retries server errors and timeouts with backoff, waits out healow's
// per-minute rate limit (pausing every request after a bare 429), paces
// requests with a shared Limiter, bounds every response body and never
// trusts Bundle.total.
//
// It does not refresh tokens, follow history, or interpret resources beyond
// the Bundle envelope; callers store and parse what they receive.
package fhirclient

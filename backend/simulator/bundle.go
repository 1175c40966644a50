package simulator

import (
	"encoding/json"
	"net/http"
	"strconv"
)

type bundleLink struct {
	Relation string `json:"relation"`
	URL      string `json:"url"`
}

type bundleEntry struct {
	FullURL  string            `json:"fullUrl,omitempty"`
	Resource json.RawMessage   `json:"resource"`
	Search   map[string]string `json:"search"`
}

type searchBundle struct {
	ResourceType string            `json:"resourceType"`
	ID           string            `json:"id"`
	Meta         map[string]string `json:"meta"`
	Type         string            `json:"type"`
	Total        int               `json:"total"`
	Link         []bundleLink      `json:"link"`
	Entry        []bundleEntry     `json:"entry,omitempty"`
}

// writePage writes entries [offset, offset+count) of set as a searchset
// Bundle with healow's quirks (HEALOW.md §3): absolute plain-http links
// and fullUrls on LinkHost, and a total that is the page size, never the
// real count, so an empty Goal search says total 50.
func (s *Server) writePage(w http.ResponseWriter, set *pageSet, offset, count int, self string) {
	b := searchBundle{
		ResourceType: "Bundle",
		ID:           randomHex(16),
		Meta:         map[string]string{"lastUpdated": s.now().Format("2006-01-02T15:04:05.000-07:00")},
		Type:         "searchset",
		Total:        count,
		Link:         []bundleLink{{"self", self}},
	}
	end := min(offset+count, len(set.entries))
	for i := offset; i < end; i++ {
		if e, ok := s.entry(set, set.entries[i]); ok {
			b.Entry = append(b.Entry, e)
		}
	}
	if next := s.nextLink(set, offset, count, end, self); next != "" {
		b.Link = append(b.Link, bundleLink{"next", next})
	}
	if offset > 0 {
		b.Link = append(b.Link, bundleLink{"previous", s.pageURL(set, max(offset-count, 0), count)})
	}
	writeJSON(w, http.StatusOK, fhirContentType, b)
}

func (s *Server) nextLink(set *pageSet, offset, count, end int, self string) string {
	switch s.faults.linkMode() {
	case LinksLoop:
		return self
	case LinksForeign:
		return ForeignNextLink + set.typ + "?page=" + strconv.Itoa(offset/count+2) +
			"&_count=" + strconv.Itoa(count)
	}
	if end >= len(set.entries) {
		return ""
	}
	return s.pageURL(set, end, count)
}

// entry wraps one resource; removed resources are left out.
func (s *Server) entry(set *pageSet, raw json.RawMessage) (bundleEntry, bool) {
	var head struct {
		ResourceType string `json:"resourceType"`
		ID           string `json:"id"`
	}
	_ = json.Unmarshal(raw, &head)
	if head.ID != "" && s.faults.isRemoved(head.ResourceType, head.ID) {
		return bundleEntry{}, false
	}
	e := bundleEntry{Resource: raw, Search: map[string]string{"mode": "match"}}
	if head.ResourceType != "" && head.ID != "" {
		e.FullURL = s.linkBase(set.practice) + "/" + head.ResourceType + "/" + head.ID
	}
	return e, true
}

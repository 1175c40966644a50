package simulator

import (
	"bytes"
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
	w.Header().Set("Content-Type", fhirContentType)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b.appendJSON(make([]byte, 0, 4096)))
}

// appendJSON writes b, as writePage builds it, as encoding/json would
// without HTML escaping, but
// copies each entry's resource as it is stored (compact JSON already)
// instead of validating and compacting it again: the benchmarks charge the
// simulator's own time to the client.
func (b *searchBundle) appendJSON(buf []byte) []byte {
	buf = append(buf, `{"resourceType":`...)
	buf = appendJSONString(buf, b.ResourceType)
	buf = append(buf, `,"id":`...)
	buf = appendJSONString(buf, b.ID)
	buf = append(buf, `,"meta":{`...)
	if lu, ok := b.Meta["lastUpdated"]; ok {
		buf = append(buf, `"lastUpdated":`...)
		buf = appendJSONString(buf, lu)
	}
	buf = append(buf, `},"type":`...)
	buf = appendJSONString(buf, b.Type)
	buf = append(buf, `,"total":`...)
	buf = strconv.AppendInt(buf, int64(b.Total), 10)
	buf = append(buf, `,"link":[`...)
	for i, l := range b.Link {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, `{"relation":`...)
		buf = appendJSONString(buf, l.Relation)
		buf = append(buf, `,"url":`...)
		buf = appendJSONString(buf, l.URL)
		buf = append(buf, '}')
	}
	buf = append(buf, ']')
	if len(b.Entry) > 0 {
		buf = append(buf, `,"entry":[`...)
		for i, e := range b.Entry {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, '{')
			if e.FullURL != "" {
				buf = append(buf, `"fullUrl":`...)
				buf = appendJSONString(buf, e.FullURL)
				buf = append(buf, ',')
			}
			buf = append(buf, `"resource":`...)
			buf = append(buf, e.Resource...)
			buf = append(buf, `,"search":{"mode":`...)
			buf = appendJSONString(buf, e.Search["mode"])
			buf = append(buf, `}}`...)
		}
		buf = append(buf, ']')
	}
	return append(buf, '}')
}

// appendJSONString quotes s as encoding/json does without HTML escaping.
func appendJSONString(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			var out bytes.Buffer
			enc := json.NewEncoder(&out)
			enc.SetEscapeHTML(false)
			_ = enc.Encode(s)
			return append(buf, bytes.TrimSuffix(out.Bytes(), []byte("\n"))...)
		}
	}
	buf = append(buf, '"')
	buf = append(buf, s...)
	return append(buf, '"')
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
	typ, id := head(raw)
	if id != "" && s.faults.isRemoved(typ, id) {
		return bundleEntry{}, false
	}
	e := bundleEntry{Resource: raw, Search: matchMode}
	if typ != "" && id != "" {
		e.FullURL = s.linkBase(set.practice) + "/" + typ + "/" + id
	}
	return e, true
}

var matchMode = map[string]string{"mode": "match"}

// head returns a resource's type and id. fhirdata writes resourceType and
// id first, in plain characters, so they are sliced out; anything else is
// decoded.
func head(raw []byte) (typ, id string) {
	const t, i = `{"resourceType":"`, `","id":"`
	if rest, ok := bytes.CutPrefix(raw, []byte(t)); ok {
		if typ, rest, ok := bytes.Cut(rest, []byte(i)); ok && plainJSON(typ) {
			if id, _, ok := bytes.Cut(rest, []byte(`"`)); ok && plainJSON(id) {
				return string(typ), string(id)
			}
		}
	}
	var h struct {
		ResourceType string `json:"resourceType"`
		ID           string `json:"id"`
	}
	_ = json.Unmarshal(raw, &h)
	return h.ResourceType, h.ID
}

// plainJSON reports bytes that stand for themselves inside a JSON string.
func plainJSON(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			return false
		}
	}
	return true
}

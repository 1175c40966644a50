package fhirdata

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
)

// LoadTransactionBundle loads a FHIR R4 Bundle, as Synthea writes it, with the
// default options (DefaultZone).
func LoadTransactionBundle(r io.Reader) (*Patient, error) {
	return Options{}.LoadTransactionBundle(r)
}

// LoadTransactionBundle loads a FHIR R4 Bundle holding one Patient and its
// records, and resolves its references the way a FHIR server does on import:
// urn:uuid references become Type/id of the entry (the resource's id, else the
// id a PUT names, else the uuid); conditional references
// (Type?identifier=system|value) become Type/id of the bundle resource with that
// identifier. A conditional target the bundle lacks is synthesized as a minimal
// resource with that identifier, the reference's display as its name and an id
// derived from system|value. Contained (#) and relative references are kept.
// Every dateTime is then rewritten into o.Zone. Entries of any type are kept;
// Search decides what is served.
func (o Options) LoadTransactionBundle(r io.Reader) (*Patient, error) {
	var b struct {
		ResourceType string `json:"resourceType"`
		Entry        []struct {
			FullURL  string          `json:"fullUrl"`
			Resource json.RawMessage `json:"resource"`
			Request  struct {
				Method string `json:"method"`
				URL    string `json:"url"`
			} `json:"request"`
		} `json:"entry"`
	}
	if err := json.NewDecoder(r).Decode(&b); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidBundle, err)
	}
	if b.ResourceType != "Bundle" {
		return nil, fmt.Errorf("%w: resourceType %q", ErrInvalidBundle, b.ResourceType)
	}

	rv := newResolver()
	resources := make([]*object, 0, len(b.Entry))
	for i, e := range b.Entry {
		res, err := parseResource(e.Resource)
		if err != nil {
			return nil, fmt.Errorf("%w: entry %d: %w", ErrInvalidBundle, i, err)
		}
		id, err := entryID(res, e.FullURL, e.Request.Method, e.Request.URL)
		if err != nil {
			return nil, fmt.Errorf("%w: entry %d: %w", ErrInvalidBundle, i, err)
		}
		if err := rv.register(res, id, e.FullURL); err != nil {
			return nil, fmt.Errorf("%w: entry %d: %w", ErrInvalidBundle, i, err)
		}
		resources = append(resources, res)
	}
	for _, res := range resources {
		if err := rv.resolveAll(res); err != nil {
			return nil, fmt.Errorf("%s/%s: %w", res.str("resourceType"), res.str("id"), err)
		}
	}
	return newPatient(append(resources, rv.synthesized...), o.zone())
}

func parseResource(raw json.RawMessage) (*object, error) {
	if len(raw) == 0 {
		return nil, fmt.Errorf("no resource")
	}
	v, err := parseTree(raw)
	if err != nil {
		return nil, err
	}
	res, ok := v.(*object)
	if !ok || !isTypeName(res.str("resourceType")) {
		return nil, fmt.Errorf("resource without resourceType")
	}
	return res, nil
}

// entryID picks the id a server keeps for an entry and writes it into res.
func entryID(res *object, fullURL, method, reqURL string) (string, error) {
	id, has := res.get("id").(string)
	switch {
	case has && !validID(id):
		return "", fmt.Errorf("invalid id %q", id)
	case has:
		return id, nil
	}
	if _, putID, ok := strings.Cut(reqURL, "/"); ok && method == "PUT" && validID(putID) {
		id = putID
	} else if uuid, ok := strings.CutPrefix(fullURL, "urn:uuid:"); ok && validID(uuid) {
		id = uuid
	} else {
		return "", fmt.Errorf("no id, PUT url or urn:uuid fullUrl")
	}
	res.setFirst("id", id, 1)
	return id, nil
}

// resolver maps bundle-internal and conditional references to Type/id.
type resolver struct {
	byURL       map[string]string   // fullUrl -> Type/id
	byIdent     map[string][]string // type|system|value and type||value -> ids
	synthesized []*object
	synthByKey  map[string]string // type|system|value -> Type/id
}

func newResolver() *resolver {
	return &resolver{
		byURL:      map[string]string{},
		byIdent:    map[string][]string{},
		synthByKey: map[string]string{},
	}
}

func identKey(typ, system, value string) string { return typ + "|" + system + "|" + value }

// anySystem is the system part of the key that matches an identifier value
// whatever its system; "|" cannot start a URI, so it collides with none.
const anySystem = "|"

func (rv *resolver) register(res *object, id, fullURL string) error {
	typ := res.str("resourceType")
	if fullURL != "" {
		if _, dup := rv.byURL[fullURL]; dup {
			return fmt.Errorf("duplicate fullUrl %q", fullURL)
		}
		rv.byURL[fullURL] = typ + "/" + id
	}
	for _, v := range res.list("identifier") {
		ident, _ := v.(*object)
		value := ident.str("value")
		if value == "" {
			continue
		}
		for _, key := range []string{identKey(typ, ident.str("system"), value),
			identKey(typ, anySystem, value)} {
			rv.byIdent[key] = appendUnique(rv.byIdent[key], id)
		}
	}
	return nil
}

func appendUnique(ids []string, id string) []string {
	for _, have := range ids {
		if have == id {
			return ids
		}
	}
	return append(ids, id)
}

// resolveAll rewrites every reference string anywhere in res.
func (rv *resolver) resolveAll(res *object) error {
	var err error
	walkObjects(res, func(o *object) {
		ref, ok := o.get("reference").(string)
		if !ok || err != nil {
			return
		}
		var target string
		target, err = rv.resolve(ref, o.str("display"))
		if err == nil {
			o.set("reference", target)
		}
	})
	return err
}

func (rv *resolver) resolve(ref, display string) (string, error) {
	switch {
	case ref == "" || strings.HasPrefix(ref, "#"):
		return ref, nil
	case strings.HasPrefix(ref, "urn:"):
		target, ok := rv.byURL[ref]
		if !ok {
			return "", fmt.Errorf("%w: %q is no entry's fullUrl", ErrUnresolvedReference, ref)
		}
		return target, nil
	case strings.Contains(ref, "?"):
		return rv.conditional(ref, display)
	}
	if target, ok := rv.byURL[ref]; ok {
		return target, nil
	}
	return ref, nil
}

// conditional resolves Type?identifier=[system|]value like a transaction's
// conditional reference, synthesizing the target when nothing matches.
func (rv *resolver) conditional(ref, display string) (string, error) {
	typ, rawQuery, _ := strings.Cut(ref, "?")
	q, err := url.ParseQuery(rawQuery)
	if err != nil || !isTypeName(typ) || len(q) != 1 || len(q["identifier"]) != 1 {
		return "", fmt.Errorf("%w: unsupported conditional reference %q",
			ErrUnresolvedReference, ref)
	}
	system, value, hasSystem := strings.Cut(q.Get("identifier"), "|")
	if !hasSystem {
		system, value = anySystem, system
	}
	if value == "" {
		return "", fmt.Errorf("%w: empty identifier in %q", ErrUnresolvedReference, ref)
	}
	switch ids := rv.byIdent[identKey(typ, system, value)]; len(ids) {
	case 1:
		return typ + "/" + ids[0], nil
	case 0:
		return rv.synthesize(typ, strings.TrimPrefix(system, anySystem), value, display), nil
	default:
		return "", fmt.Errorf("%w: %q matches %d resources", ErrUnresolvedReference, ref, len(ids))
	}
}

// synthesize returns the reference to a minimal resource standing in for a
// conditional target the bundle omits (SpeziFHIR bundles carry no
// Practitioner, Location or Organization), creating it on first use.
func (rv *resolver) synthesize(typ, system, value, display string) string {
	key := identKey(typ, system, value)
	if ref, ok := rv.synthByKey[key]; ok {
		return ref
	}
	sum := sha256.Sum256([]byte(system + "|" + value))
	id := "syn-" + hex.EncodeToString(sum[:12])
	ident := obj("system", nonEmpty(system), "value", value)
	res := obj("resourceType", typ, "id", id, "identifier", arr(ident))
	switch typ {
	case "Practitioner":
		res.set("active", true)
		if display != "" {
			res.set("name", arr(humanName(display)))
		}
	case "Organization":
		res.set("active", true)
		res.set("name", nonEmpty(display))
	case "Location":
		res.set("status", "active")
		res.set("name", nonEmpty(display))
	}
	res.members = dropNil(res.members)
	rv.synthesized = append(rv.synthesized, res)
	rv.synthByKey[key] = typ + "/" + id
	return rv.synthByKey[key]
}

// nonEmpty returns s, or nil for "" so obj and dropNil leave the field out.
func nonEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func dropNil(ms []member) []member {
	kept := ms[:0]
	for _, m := range ms {
		if m.val != nil {
			kept = append(kept, m)
		}
	}
	return kept
}

// humanName splits a display such as "Dr. Alva958 Krajcik437" into prefixes,
// given names and a family name, keeping the display as text.
func humanName(display string) *object {
	words := strings.Fields(display)
	var prefix []any
	for len(words) > 1 && strings.HasSuffix(words[0], ".") {
		prefix = append(prefix, words[0])
		words = words[1:]
	}
	n := obj("text", display, "family", words[len(words)-1])
	if len(words) > 1 {
		given := make([]any, 0, len(words)-1)
		for _, w := range words[:len(words)-1] {
			given = append(given, w)
		}
		n.set("given", given)
	}
	if prefix != nil {
		n.set("prefix", prefix)
	}
	return n
}

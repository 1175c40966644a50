package sync

import (
	"encoding/json"
	"unicode/utf8"
)

// maxDepth bounds the nesting decode accepts; FHIR resources nest a few
// levels, and a remote answer must not exhaust the stack.
const maxDepth = 512

// decode parses a resource into obj: nested objects, []any, strings,
// json.Number (as written), bools and nil, exactly as encoding/json's
// Decoder with UseNumber does, but in one pass over raw without copying it:
// the sync decodes every resource it stores, and the Decoder's buffering
// was most of a sync's garbage. It reports false for anything that is not
// one well-formed JSON object.
func decode(raw []byte) (obj, bool) {
	p := parser{b: raw}
	p.space()
	if p.i >= len(p.b) || p.b[p.i] != '{' {
		return nil, false
	}
	v, ok := p.value(0)
	p.space()
	if !ok || p.i != len(p.b) {
		return nil, false
	}
	m, _ := v.(obj)
	return m, m != nil
}

type parser struct {
	b []byte
	i int
}

func (p *parser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) value(depth int) (any, bool) {
	if p.i >= len(p.b) || depth > maxDepth {
		return nil, false
	}
	switch c := p.b[p.i]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		return p.string()
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	for _, lit := range []struct {
		text string
		v    any
	}{{"true", true}, {"false", false}, {"null", nil}} {
		if len(p.b)-p.i >= len(lit.text) && string(p.b[p.i:p.i+len(lit.text)]) == lit.text {
			p.i += len(lit.text)
			return lit.v, true
		}
	}
	return nil, false
}

func (p *parser) object(depth int) (any, bool) {
	m := obj{}
	p.i++
	if p.closes('}') {
		return m, true
	}
	for {
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return nil, false
		}
		k, ok := p.string()
		if !ok {
			return nil, false
		}
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return nil, false
		}
		p.i++
		p.space()
		v, ok := p.value(depth + 1)
		if !ok {
			return nil, false
		}
		m[k.(string)] = v
		if more, ok := p.next('}'); !ok || !more {
			return m, ok
		}
	}
}

func (p *parser) array(depth int) (any, bool) {
	a := []any{}
	p.i++
	if p.closes(']') {
		return a, true
	}
	for {
		p.space()
		v, ok := p.value(depth + 1)
		if !ok {
			return nil, false
		}
		a = append(a, v)
		if more, ok := p.next(']'); !ok || !more {
			return a, ok
		}
	}
}

// closes consumes end right after an opening bracket: an empty container.
func (p *parser) closes(end byte) bool {
	p.space()
	if p.i < len(p.b) && p.b[p.i] == end {
		p.i++
		return true
	}
	return false
}

// next consumes a comma (another member follows) or the closing byte.
func (p *parser) next(end byte) (more, ok bool) {
	p.space()
	if p.i >= len(p.b) {
		return false, false
	}
	c := p.b[p.i]
	p.i++
	switch c {
	case ',':
		return true, true
	case end:
		return false, true
	}
	return false, false
}

// string reads a JSON string. Plain ones are sliced out; escapes and
// invalid UTF-8 are left to encoding/json, so both give the same text.
func (p *parser) string() (any, bool) {
	start := p.i
	p.i++
	plain := true
	for p.i < len(p.b) {
		switch c := p.b[p.i]; {
		case c == '"':
			p.i++
			s := p.b[start+1 : p.i-1]
			if plain && utf8.Valid(s) {
				return string(s), true
			}
			var out string
			if json.Unmarshal(p.b[start:p.i], &out) != nil {
				return nil, false
			}
			return out, true
		case c == '\\':
			plain = false
			p.i += 2
		case c < 0x20:
			return nil, false
		default:
			p.i++
		}
	}
	return nil, false
}

// number reads a JSON number and keeps it as written.
func (p *parser) number() (any, bool) {
	start := p.i
	if p.b[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(p.b) && p.b[p.i] == '0':
		p.i++
	case !p.digits():
		return nil, false
	}
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if !p.digits() {
			return nil, false
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if !p.digits() {
			return nil, false
		}
	}
	return json.Number(p.b[start:p.i]), true
}

func (p *parser) digits() bool {
	start := p.i
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
	}
	return p.i > start
}

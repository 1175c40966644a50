package fhirdata

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// object is a JSON object that keeps its members in the order they were read or
// built, so stored resources read like the server wrote them (resourceType
// first). Values in a tree are *object, []any, string, json.Number, bool or nil.
type object struct {
	members []member
}

type member struct {
	key string
	val any
}

// obj builds an object from alternating keys and values; nil values are dropped
// so optional fields can be passed unconditionally.
func obj(kv ...any) *object {
	if len(kv)%2 != 0 {
		panic("fhirdata: obj needs key/value pairs")
	}
	o := &object{members: make([]member, 0, len(kv)/2)}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			continue
		}
		o.set(kv[i].(string), kv[i+1])
	}
	return o
}

// arr is shorthand for a JSON array literal.
func arr(vs ...any) []any { return vs }

// get returns the value of key, or nil; o may be nil.
func (o *object) get(key string) any {
	if o == nil {
		return nil
	}
	for _, m := range o.members {
		if m.key == key {
			return m.val
		}
	}
	return nil
}

// str returns the member key when it is a string, else "".
func (o *object) str(key string) string {
	s, _ := o.get(key).(string)
	return s
}

// child returns the member key when it is an object, else nil.
func (o *object) child(key string) *object {
	c, _ := o.get(key).(*object)
	return c
}

// list returns the member key when it is an array, else nil.
func (o *object) list(key string) []any {
	l, _ := o.get(key).([]any)
	return l
}

// set replaces the value of key, or appends the member when it is absent.
func (o *object) set(key string, val any) {
	for i := range o.members {
		if o.members[i].key == key {
			o.members[i].val = val
			return
		}
	}
	o.members = append(o.members, member{key, val})
}

// setFirst sets key and moves it to position pos (used for resourceType and id).
func (o *object) setFirst(key string, val any, pos int) {
	kept := o.members[:0:0]
	for _, m := range o.members {
		if m.key != key {
			kept = append(kept, m)
		}
	}
	if pos > len(kept) {
		pos = len(kept)
	}
	kept = append(kept[:pos], append([]member{{key, val}}, kept[pos:]...)...)
	o.members = kept
}

// walkObjects calls fn for every object in v, parents before children.
func walkObjects(v any, fn func(*object)) {
	switch t := v.(type) {
	case *object:
		fn(t)
		for _, m := range t.members {
			walkObjects(m.val, fn)
		}
	case []any:
		for _, e := range t {
			walkObjects(e, fn)
		}
	}
}

// mapStrings replaces, in place, every string value (not key) in v by fn(value).
func mapStrings(v any, fn func(string) string) any {
	switch t := v.(type) {
	case string:
		return fn(t)
	case *object:
		for i := range t.members {
			t.members[i].val = mapStrings(t.members[i].val, fn)
		}
	case []any:
		for i := range t {
			t[i] = mapStrings(t[i], fn)
		}
	}
	return v
}

var errTrailingData = errors.New("trailing data after JSON value")

// parseTree reads one JSON value, keeping object member order and number text.
func parseTree(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := parseValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errTrailingData
	}
	return v, nil
}

func parseValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			return parseObject(dec)
		}
		if t == '[' {
			return parseArray(dec)
		}
		return nil, fmt.Errorf("unexpected %q", rune(t))
	default:
		return t, nil
	}
}

func parseObject(dec *json.Decoder) (*object, error) {
	o := &object{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		val, err := parseValue(dec)
		if err != nil {
			return nil, err
		}
		// A repeated key keeps its first position and last value, as
		// encoding/json does.
		o.set(key, val)
	}
	_, err := dec.Token()
	return o, err
}

func parseArray(dec *json.Decoder) ([]any, error) {
	a := []any{}
	for dec.More() {
		v, err := parseValue(dec)
		if err != nil {
			return nil, err
		}
		a = append(a, v)
	}
	_, err := dec.Token()
	return a, err
}

// encodeTree appends the compact JSON of v to buf.
func encodeTree(buf []byte, v any) []byte {
	switch t := v.(type) {
	case *object:
		buf = append(buf, '{')
		for i, m := range t.members {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendString(buf, m.key)
			buf = append(buf, ':')
			buf = encodeTree(buf, m.val)
		}
		return append(buf, '}')
	case []any:
		buf = append(buf, '[')
		for i, e := range t {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = encodeTree(buf, e)
		}
		return append(buf, ']')
	case string:
		return appendString(buf, t)
	case json.Number:
		return append(buf, t...)
	case bool:
		return strconv.AppendBool(buf, t)
	case int:
		return strconv.AppendInt(buf, int64(t), 10)
	case float64:
		return strconv.AppendFloat(buf, t, 'f', -1, 64)
	case nil:
		return append(buf, "null"...)
	}
	panic(fmt.Sprintf("fhirdata: cannot encode %T", v))
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string. Unlike encoding/json it leaves <, >
// and & alone, as HAPI does, so narratives stay readable in the raw JSON.
func appendString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				buf = append(buf, '\\', c)
			case c == '\n':
				buf = append(buf, '\\', 'n')
			case c == '\r':
				buf = append(buf, '\\', 'r')
			case c == '\t':
				buf = append(buf, '\\', 't')
			case c < 0x20:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				buf = append(buf, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, `\ufffd`...)
		} else {
			buf = append(buf, s[i:i+size]...)
		}
		i += size
	}
	return append(buf, '"')
}

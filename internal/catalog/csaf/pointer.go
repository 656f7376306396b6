package csaf

import (
	"encoding/json"
	"strconv"
	"strings"
)

// rootPointer is the field name used for problems with the whole document.
// (The JSON Pointer of the root is the empty string, which reads badly in an
// error list.)
const rootPointer = "/"

// pointer is an RFC 6901 JSON Pointer under construction.
type pointer string

var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

func (p pointer) key(k string) pointer { return p + "/" + pointer(pointerEscaper.Replace(k)) }

func (p pointer) idx(i int) pointer { return p + "/" + pointer(strconv.Itoa(i)) }

func (p pointer) String() string {
	if p == "" {
		return rootPointer
	}
	return string(p)
}

// pointerFromDotted converts encoding/json's dotted field path, which lacks
// array indices, into a pointer: less precise, but better than nothing.
func pointerFromDotted(field string) pointer {
	var p pointer
	if field == "" {
		return p
	}
	for _, k := range strings.Split(field, ".") {
		p = p.key(k)
	}
	return p
}

// tokenWalk follows json.Decoder tokens and knows the pointer of each value.
type tokenWalk struct {
	frames []frame
}

type frame struct {
	object  bool
	key     string
	index   int
	wantKey bool
}

func (w *tokenWalk) here() pointer {
	var p pointer
	for _, f := range w.frames {
		if f.object {
			p = p.key(f.key)
		} else {
			p = p.idx(f.index)
		}
	}
	return p
}

// step consumes one token; for a value (scalar or opening delimiter) it
// returns the value's pointer and true.
func (w *tokenWalk) step(tok json.Token) (pointer, bool) {
	if n := len(w.frames); n > 0 && w.frames[n-1].object && w.frames[n-1].wantKey {
		if k, ok := tok.(string); ok {
			w.frames[n-1].key, w.frames[n-1].wantKey = k, false
			return "", false
		}
	}
	if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
		w.frames = w.frames[:len(w.frames)-1]
		w.valueDone()
		return "", false
	}
	at := w.here()
	switch tok {
	case json.Delim('{'):
		w.frames = append(w.frames, frame{object: true, wantKey: true})
	case json.Delim('['):
		w.frames = append(w.frames, frame{})
	default:
		w.valueDone()
	}
	return at, true
}

func (w *tokenWalk) valueDone() {
	if n := len(w.frames); n > 0 {
		if w.frames[n-1].object {
			w.frames[n-1].wantKey = true
		} else {
			w.frames[n-1].index++
		}
	}
}

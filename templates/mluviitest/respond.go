package mluviitest

import (
	"bytes"
	"encoding/json"
)

// Request is a request the bot sent, as a Responder sees it.
type Request struct {
	// Name is the request activity; Response the activity that will answer it.
	Name, Response string
	Session        *Session
	// Fields are the request's fields by wire name, as decoded JSON values
	// (string, json.Number, bool, []any, map[string]any, nil).
	Fields map[string]any
	// Answer holds the built-in responder's answer, to adjust and return.
	Answer map[string]any
}

// Responder answers a request: it returns the response's fields by wire name,
// or nil for the built-in answer. Fields the spec does not know are dropped
// and required ones left out get zero values. It runs without the server's
// lock, so it may call the Server and Session methods.
type Responder func(req *Request) map[string]any

// SetResponder replaces the answer to the named request from now on; a nil
// fn restores the built-in one.
func (s *Server) SetResponder(request string, fn Responder) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if fn == nil {
		delete(s.cfg.responders, request)
		return
	}
	s.cfg.responders[request] = fn
}

// reply is a response due to a request.
type reply struct {
	ss        *sessionState
	req, resp *actInfo
	reqFields map[string]any
	fields    map[string]any
}

// apply makes a request's effect on the session and returns the response due,
// if any; a prompt's response waits for the guest (deferPrompt). seq is the
// request's transcript entry. Called with s.mu held.
func (s *Server) apply(chk *checked, ss *sessionState, seq int) (reply, bool) {
	if ss != nil && s.deferPrompt(chk, ss, seq) {
		return reply{}, false
	}
	var fields map[string]any
	if eff := effects[chk.act.name]; eff != nil && ss != nil {
		fields = eff(s, ss, chk.fields)
	}
	resp := spec.activity(chk.act.response)
	if resp == nil || ss == nil {
		return reply{}, false
	}
	return reply{ss: ss, req: chk.act, resp: resp, reqFields: chk.fields, fields: fields}, true
}

// respond renders a response and delivers it asynchronously, with the
// delivery slot accept took for it.
func (s *Server) respond(r reply) {
	s.mu.Lock()
	fn := s.cfg.responders[r.req.name]
	recorded, replayed := r.ss.replayAnswer(r.resp.name) // replay.go
	s.mu.Unlock()
	if replayed {
		_ = s.send(r.ss, r.resp.name, recorded, false, true)
		return
	}
	fields := r.fields
	if fn != nil {
		req := &Request{Name: r.req.name, Response: r.resp.name, Session: &Session{s: s, id: r.ss.id, ss: r.ss},
			Fields: r.reqFields, Answer: fields}
		if custom := fn(req); custom != nil {
			fields = custom
		}
	}
	s.mu.Lock()
	body, err := s.eventBody(r.resp, r.ss, fields)
	s.mu.Unlock()
	if err != nil {
		s.done(1)
		s.logf("%v", err)
		return
	}
	_ = s.send(r.ss, r.resp.name, body, false, true)
}

// conform renders given values as the spec's fields in spec order: unknown
// keys are dropped, required fields left out get zero values, and timestamps
// are always set (mluvii stamps what it sends).
func (s *Server) conform(fields []fieldInfo, given map[string]any) object {
	var o object
	for _, f := range fields {
		v, ok := lookupField(given, &f)
		switch {
		case ok:
			o = append(o, member{f.name, s.conformValue(f.typ, v)})
		case f.required || f.typ.is("timestamp"):
			o = append(o, member{f.name, s.zero(f)})
		}
	}
	return o
}

func lookupField(given map[string]any, f *fieldInfo) (any, bool) {
	if v, ok := given[f.name]; ok {
		return v, true
	}
	for _, al := range f.aliases {
		if v, ok := given[al]; ok {
			return v, true
		}
	}
	return nil, false
}

// conformValue conforms the structs inside v to their spec types; other
// values are kept as given.
func (s *Server) conformValue(typ *typeRef, v any) any {
	switch x := v.(type) {
	case []any:
		if typ.kind == "list" {
			out := make([]any, len(x))
			for i, el := range x {
				out[i] = s.conformValue(typ.elem, el)
			}
			return out
		}
	case map[string]any:
		if t := spec.types[typ.name]; typ.kind == "struct" && t != nil {
			return s.conform(t.fields, x)
		}
		if typ.kind == "map" {
			out := make(map[string]any, len(x))
			for k, el := range x {
				out[k] = s.conformValue(typ.elem, el)
			}
			return out
		}
	}
	return v
}

// zero is the value mluvii would send for a field nobody set.
func (s *Server) zero(f fieldInfo) any {
	switch {
	case f.typ.is("bool") && (f.name == "success" || f.name == "isSuccess"):
		return true
	case f.typ.is("timestamp"):
		return s.timestamp()
	case f.nullable:
		return nil
	}
	return s.zeroOf(f.typ)
}

func (s *Server) zeroOf(typ *typeRef) any {
	switch typ.kind {
	case "list":
		return []any{}
	case "map":
		return map[string]any{}
	case "struct", "enum", "flags":
		t := spec.types[typ.name]
		switch {
		case t == nil:
		case t.kind == "struct":
			return s.conform(t.fields, nil)
		case t.kind == "flags":
			return []any{}
		case len(t.values) > 0:
			return t.values[0]
		}
		return nil
	}
	if k, ok := scalarKinds[typ.kind]; ok {
		return k.zero(s)
	}
	return nil
}

// timestamp is now as mluvii writes it: no offset, microseconds.
func (s *Server) timestamp() string {
	return s.clock.Now().UTC().Format("2006-01-02T15:04:05.000000")
}

// object is a JSON object that keeps its members in order.
type object []member

type member struct {
	key string
	val any
}

// MarshalJSON writes the members in order.
func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := marshalJSON(m.key)
		b.Write(k)
		b.WriteByte(':')
		v, err := marshalJSON(m.val)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// marshalJSON is json.Marshal without HTML escaping: mluvii sends <, > and &
// as they are.
func marshalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

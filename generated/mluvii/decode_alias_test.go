package mluvii

import (
	"bytes"
	"encoding/json"
	"testing"
	"unsafe"
)

// aliasBody is a body whose strings have no escapes, so that Decode can
// return them as substrings of the body.
const aliasBody = `{"activity":"GetAvailableGroupsResponse","sessionId":7,"availableGroups":[{"displayName":"hello","groupId":1}],"language":"cs"}`

// inside reports whether s's bytes lie within b's memory.
func inside(s string, b []byte) bool {
	p, lo := uintptr(unsafe.Pointer(unsafe.StringData(s))), uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return len(s) > 0 && lo <= p && p+uintptr(len(s)) <= lo+uintptr(len(b))
}

// TestDecodeKeepsBody pins the contract Decode's godoc states: the activity's
// strings and RawJSON share body's memory (Decode does not copy it), so a
// caller that changes body afterwards changes the activity.
func TestDecodeKeepsBody(t *testing.T) {
	body := []byte(aliasBody)
	a, err := Decode(body)
	if err != nil {
		t.Fatal(err)
	}
	x := a.(*GetAvailableGroupsResponse)
	name := x.AvailableGroups[0].DisplayName
	if !inside(name, body) || !inside(x.Language, body) || !inside(x.raw, body) {
		t.Fatalf("Decode copied body: displayName, language and the raw body should point into it")
	}
	copy(body[bytes.Index(body, []byte("hello")):], "HELLO")
	if name != "HELLO" || !bytes.Contains(x.RawJSON(), []byte(`"HELLO"`)) {
		t.Errorf("after changing body: displayName %q, RawJSON %s; want both to show the change", name, x.RawJSON())
	}
}

// TestUnmarshalJSONCopies checks that the UnmarshalJSON methods keep copying
// what they retain, as encoding/json's Unmarshaler contract requires: the
// decoder may reuse its buffer.
func TestUnmarshalJSONCopies(t *testing.T) {
	body := []byte(aliasBody)
	var x GetAvailableGroupsResponse
	if err := json.Unmarshal(body, &x); err != nil {
		t.Fatal(err)
	}
	var direct GetAvailableGroupsResponse
	if err := direct.UnmarshalJSON(body); err != nil {
		t.Fatal(err)
	}
	var ts Timestamp
	tsBody := []byte(`"2024-11-05T14:22:31.118204"`)
	if err := ts.UnmarshalJSON(tsBody); err != nil {
		t.Fatal(err)
	}
	for _, v := range []*GetAvailableGroupsResponse{&x, &direct} {
		if inside(v.AvailableGroups[0].DisplayName, body) || inside(v.raw, body) {
			t.Fatalf("UnmarshalJSON kept a string pointing into its argument")
		}
	}
	if inside(ts.String(), tsBody) {
		t.Fatalf("Timestamp.UnmarshalJSON kept its argument's memory")
	}
	copy(body[bytes.Index(body, []byte("hello")):], "HELLO")
	copy(tsBody[1:], "1999")
	for _, v := range []*GetAvailableGroupsResponse{&x, &direct} {
		if v.AvailableGroups[0].DisplayName != "hello" || !bytes.Contains(v.RawJSON(), []byte(`"hello"`)) {
			t.Errorf("UnmarshalJSON's result changed with its argument: %q, %s", v.AvailableGroups[0].DisplayName, v.RawJSON())
		}
	}
	if ts.String() != "2024-11-05T14:22:31.118204" {
		t.Errorf("Timestamp changed with its argument: %s", ts)
	}
}

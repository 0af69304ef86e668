package mluvii

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// addVectorSeeds seeds a fuzz target with every vector.
func addVectorSeeds(f *testing.F) {
	files, err := filepath.Glob("testdata/vectors/*")
	if err != nil || len(files) == 0 {
		f.Fatalf("no vectors: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// FuzzDecode: Decode never panics; an error is a *DecodeError carrying the
// body; an accepted body marshals to valid JSON that decodes to the same
// activity again.
func FuzzDecode(f *testing.F) {
	addVectorSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		a, err := Decode(body)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) || !bytes.Equal(de.Body, body) || a != nil {
				t.Fatalf("Decode error %T %v (activity %v)", err, err, a)
			}
			return
		}
		if u, ok := a.(*Unknown); ok {
			if !bytes.Equal(u.Raw, body) {
				t.Fatalf("Unknown.Raw is not the body")
			}
			return
		}
		if !bytes.Equal(a.RawJSON(), body) {
			t.Fatalf("RawJSON is not the body")
		}
		out, err := a.MarshalJSON()
		if err != nil || !json.Valid(out) {
			t.Fatalf("MarshalJSON = %s, %v", out, err)
		}
		again, err := Decode(out)
		if err != nil {
			t.Fatalf("re-decoding %s: %v", out, err)
		}
		out2, _ := again.MarshalJSON()
		if !bytes.Equal(out, out2) {
			t.Fatalf("marshal is not stable:\n%s\n%s", out, out2)
		}
	})
}

// plainGroups and plainText are the generated structs without their methods,
// so encoding/json decodes them by reflection.
type (
	plainText   Text
	plainGroups GetAvailableGroupsResponse
)

// FuzzDecodeDifferential compares Decode with encoding/json on the same
// bodies. Where the contract asks for no leniency they must agree: any body
// encoding/json rejects as malformed JSON, Decode rejects; any body it
// accepts, Decode accepts with the same values, unless Decode refuses the
// session id (which encoding/json does not check).
func FuzzDecodeDifferential(f *testing.F) {
	addVectorSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		a, err := Decode(body)
		if !json.Valid(body) {
			if err == nil {
				t.Fatalf("Decode accepted malformed JSON %q", body)
			}
			return
		}
		if !asciiKeys(body) {
			return // encoding/json folds a few non-ASCII letters into ASCII keys
		}
		var de *DecodeError
		switch v := a.(type) {
		case *Text:
			var std plainText
			if json.Unmarshal(body, &std) == nil {
				std.raw = v.raw
				if diff := cmp.Diff(Text(std), *v, cmp.AllowUnexported(Text{}, Timestamp{})); diff != "" {
					t.Fatalf("Decode and encoding/json disagree (-std +Decode):\n%s", diff)
				}
			}
		case *GetAvailableGroupsResponse:
			var std plainGroups
			if json.Unmarshal(body, &std) == nil {
				std.raw = v.raw
				if std.SessionID == 0 {
					std.SessionID = v.SessionID // the declared sesionId alias
				}
				if diff := cmp.Diff(GetAvailableGroupsResponse(std), *v, cmp.AllowUnexported(GetAvailableGroupsResponse{})); diff != "" {
					t.Fatalf("Decode and encoding/json disagree (-std +Decode):\n%s", diff)
				}
			}
		case nil:
			if !errors.As(err, &de) {
				t.Fatalf("error %v is not a *DecodeError", err)
			}
		}
	})
}

// asciiKeys reports whether every object key in a valid JSON body is ASCII.
func asciiKeys(body []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(body))
	// inObject[i] tells whether level i is an object; atKey whether the next
	// token of the innermost object is a key.
	var inObject []bool
	atKey := false
	for {
		tok, err := dec.Token()
		if err != nil {
			return true
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				inObject = append(inObject, d == '{')
				atKey = d == '{'
			default:
				inObject = inObject[:len(inObject)-1]
				atKey = len(inObject) > 0 && inObject[len(inObject)-1]
			}
			continue
		}
		if s, ok := tok.(string); ok && atKey {
			for i := 0; i < len(s); i++ {
				if s[i] >= 0x80 {
					return false
				}
			}
		}
		if len(inObject) > 0 && inObject[len(inObject)-1] {
			atKey = !atKey
		}
	}
}

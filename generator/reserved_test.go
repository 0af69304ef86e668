package generator

import (
	"strings"
	"testing"

	"github.com/mluviigen/mluviigen/spec"
)

// TestRuntimeNamesAreReserved: a spec name that maps onto a name the runtime
// files declare (the dispatcher's Waiters, the client's APIError, …) is a
// positioned error, not generated code that does not compile.
func TestRuntimeNamesAreReserved(t *testing.T) {
	for _, name := range []string{"Waiters", "APIError", "MemoryQueue", "Timestamp", "DecodeError"} {
		src := `name: p
discriminator: {key: activity}
session: {field: sessionId}
types:
  - name: ` + name + `
    kind: struct
    fields: [{name: x, type: string}]
activities:
  - {name: Ping, direction: fromMluvii, role: event, session: false}
`
		s, err := spec.Load("spec.yaml", []byte(src))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		_, err = Build(s)
		if err == nil || !strings.Contains(err.Error(), "spec.yaml:5:5: type "+name+": Go name "+name+" is already declared") {
			t.Errorf("type %s: Build error = %v", name, err)
		}
	}
}

package mluviitest

import (
	"os"
	"strings"
	"testing"
)

// TestReadmeExample keeps the README's "Testing your bot" example equal to
// example_test.go, which go test compiles and runs.
func TestReadmeExample(t *testing.T) {
	readme, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Skip("README.md not found:", err)
	}
	example, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "## Testing your bot\n")
	if !ok {
		t.Fatal(`README.md has no "## Testing your bot" section`)
	}
	_, code, ok := strings.Cut(section, "```go\n")
	code, _, ok2 := strings.Cut(code, "```\n")
	if !ok || !ok2 {
		t.Fatal("the Testing your bot section has no ```go block")
	}
	if code != string(example) {
		t.Error("README.md's Testing your bot example differs from generated/mluvii/mluviitest/example_test.go; copy the file into the README")
	}
}

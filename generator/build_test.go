package generator

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mluviigen/mluviigen/generator/ir"
	"github.com/mluviigen/mluviigen/spec"
)

// buildErrorLines loads and builds a spec and returns the problems as sorted
// "file:line:col: message" lines (nil when both succeed).
func buildErrorLines(t *testing.T, src string) []string {
	t.Helper()
	s, err := spec.Load("t.yaml", []byte(src))
	if err == nil {
		_, err = Build(s)
	}
	if err == nil {
		return nil
	}
	var list spec.ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("got %T, want spec.ErrorList: %v", err, err)
	}
	lines := strings.Split(list.Error(), "\n")
	slices.Sort(lines)
	return lines
}

func TestBuildGoNameCollisions(t *testing.T) {
	const head = "name: t\ndiscriminator: {key: activity}\nsession: {field: sessionId}\n"
	tests := []struct {
		name string
		src  string // appended to head; cases begin on line 4
		want []string
	}{
		{
			name: "fields",
			src: `activities:
  - name: A
    direction: fromMluvii
    role: event
    fields:
      - {name: group_id, type: int32}
      - {name: groupId, type: int32}
      - {name: rawJson, type: json}
      - {name: isSuccess, goName: Success, type: bool}
      - {name: success, type: bool}
      - {name: raw, type: json}
      - {name: _, type: int32}
      - {name: session_id, type: int64}
      - {name: x, goName: lower, type: int32}
`,
			want: []string{
				`t.yaml:10:9: activity A: field "groupId" has Go name GroupID, like field "group_id" at 9:9`,
				`t.yaml:11:9: activity A: field "rawJson": Go name RawJSON clashes with the method RawJSON every activity has; set goName`,
				`t.yaml:13:9: activity A: field "success" has Go name Success, like field "isSuccess" at 12:9`,
				`t.yaml:15:9: activity A: field "_": Go name "" made from "_" is not an exported Go identifier; set goName`,
				`t.yaml:16:9: activity A: field "session_id" has Go name SessionID, like the session field "sessionId" at 3:11`,
				`t.yaml:17:9: activity A: field "x": goName "lower" must be an exported Go identifier`,
			},
		},
		{
			name: "envelope and session field",
			src: `envelope:
  - {name: session_id, type: string}
activities:
  - {name: A, direction: fromMluvii, role: event}
`,
			want: []string{
				`t.yaml:5:5: envelope: field "session_id" has Go name SessionID, like the session field "sessionId" at 3:11`,
			},
		},
		{
			name: "types, activities and constants",
			src: `types:
  - {name: Ping, kind: struct, fields: [{name: x, type: string}]}
  - {name: Group, kind: enum, values: [{name: State}]}
  - {name: GroupState, kind: enum, values: [{name: ON}]}
  - {name: ActivityText, kind: struct, fields: [{name: x, type: string}]}
activities:
  - {name: Ping, direction: fromMluvii, role: event}
  - {name: Text, direction: fromMluvii, role: event}
  - {name: client, direction: fromMluvii, role: event}
`,
			want: []string{
				`t.yaml:7:5: type GroupState: Go name GroupState is already declared at t.yaml:6:40`,
				`t.yaml:10:5: activity Ping: Go name Ping is already declared at t.yaml:5:5; set goName`,
				`t.yaml:11:5: activity Text name constant: Go name ActivityText is already declared at t.yaml:8:5; set goName`,
				`t.yaml:12:5: activity client: Go name Client is already declared by the runtime (templates/runtime); set goName`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := buildErrorLines(t, head+tt.src)
			slices.Sort(tt.want)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBuildDefault(t *testing.T) {
	s, err := spec.Default()
	if err != nil {
		t.Fatal(err)
	}
	api, err := Build(s)
	if err != nil {
		t.Fatal(err)
	}
	if !api.FoldCase {
		t.Error("FoldCase is false; the default spec folds activity names")
	}
	acts := map[string]*ir.Activity{}
	for _, a := range api.Activities {
		acts[a.Wire] = a
	}
	if got := acts["Ping"].Key; got != "Activity" {
		t.Errorf("Ping is written with key %q, want Activity", got)
	}
	if acts["Ping"].HasSession {
		t.Error("Ping has a session id")
	}
	var reqs []string
	for _, r := range acts["GuestInputChangeResponse"].Requests {
		reqs = append(reqs, r.Wire)
	}
	if diff := cmp.Diff([]string{"DisableGuestInput", "EnableGuestInput"}, reqs); diff != "" {
		t.Errorf("GuestInputChangeResponse answers (-want +got):\n%s", diff)
	}
	if r := acts["RequestLocation"].Response; r == nil || r.Wire != "GuestLocation" {
		t.Errorf("RequestLocation response = %v, want GuestLocation", r)
	}
	if f := acts["ShareFileResponse"].Fields[0]; f.Wire != "isSuccess" || f.GoName != "Success" {
		t.Errorf("ShareFileResponse first field %s/%s, want isSuccess/Success", f.Wire, f.GoName)
	}
	goNames := map[string]string{}
	for _, a := range api.Activities {
		for _, f := range a.Fields {
			goNames[f.Wire] = f.GoName
		}
	}
	for wire, want := range map[string]string{
		"groupIds": "GroupIDs", "fileUrl": "FileURL", "facebookPSID": "FacebookPSID",
		"trackedGuestGuid": "TrackedGuestGUID", "vkContactId": "VKContactID",
		"whatsAppContactId": "WhatsAppContactID", "existingCrmIdentityId": "ExistingCrmIdentityID",
	} {
		if got := goNames[wire]; got != want {
			t.Errorf("Go name of %s = %q, want %q", wire, got, want)
		}
	}
	for _, a := range api.Activities {
		if !a.Direction.Sent() {
			continue
		}
		if len(a.Channels) != len(api.Channels) {
			t.Errorf("%s has %d channel cells, want %d", a.Wire, len(a.Channels), len(api.Channels))
		}
		for _, c := range a.Channels {
			if c.Source == "" {
				t.Errorf("%s: %s cell has no source", a.Wire, c.Channel.Name)
			}
		}
	}
}

package mluvii_test

import (
	"errors"
	"fmt"

	"github.com/mluviigen/mluviigen/generated/mluvii"
)

func ExampleDecode() {
	body := []byte(`{"activity":"Text","sessionId":4815162342,"timestamp":"2024-11-05T14:22:31.118204",
		"text":"Dobrý den","language":"cs","source":"Default"}`)

	a, err := mluvii.Decode(body)
	if err != nil {
		var de *mluvii.DecodeError
		if errors.As(err, &de) {
			fmt.Println("bad body at", de.Path, ":", de.Msg)
		}
		return
	}
	switch a := a.(type) {
	case *mluvii.Text:
		fmt.Println(a.SessionID, a.Text, mluvii.ChannelOf(string(a.Source)))
	case *mluvii.GetCallParamsResponse:
		fmt.Println(a.CallParams)
	case *mluvii.Unknown:
		fmt.Println("an activity this package does not know yet:", a.Name)
	}
	// Output: 4815162342 Dobrý den WebChat
}

func ExampleDecode_error() {
	_, err := mluvii.Decode([]byte(`{"activity":"GetAvailableGroupsResponse","sessionId":1,
		"availableGroups":[{"groupId":7301},{"groupId":"seven"}]}`))
	var de *mluvii.DecodeError
	if errors.As(err, &de) {
		fmt.Println(de.Path)
		fmt.Println(de.Msg)
	}
	// Output:
	// availableGroups[1].groupId
	// expected a number, got the string "seven"
}

package docker

import (
	"reflect"
	"testing"
)

func TestBusiestDirsLeavesOutTheContractsOwnWrites(t *testing.T) {
	got := busiestDirs([]string{
		"/dendrite", "/dendrite/dendrite.yaml", "/dendrite/server.key", "/dendrite/syncapi.db",
		"/complement/ca/ca.key", "/etc/ssl/certs/ca-certificates.crt", "/usr/local/share/ca-certificates/ca.crt",
		"/tmp/covdatafiles/x", "/root/.cache/a",
	})
	if want := []string{"/dendrite", "/root"}; !reflect.DeepEqual(got, want) {
		t.Errorf("busiestDirs = %v, want %v", got, want)
	}
}

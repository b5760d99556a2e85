//go:build !linux

package driver

// killTagged needs /proc to find the processes that carry the tag; without
// it only the process group is reached (see killGroup).
func killTagged(string) {}

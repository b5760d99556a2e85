// Package interop runs real outside clients against the fake server:
// programs written by others, used as their documentation shows, so a
// protocol the server speaks is one real clients accept and not one only
// our own clients agree with. Its test runs panva's oauth4webapi (npm, in
// oauth4webapi/ with a committed lockfile) through DPoP with server
// nonces, RFC 9728 resource discovery, RFC 8414 metadata and the RFC 8628
// device flow.
package interop

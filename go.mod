module github.com/graftml/graft

go 1.26.8

require (
	github.com/chewxy/math32 v1.11.1 // indirect
	github.com/gomlx/gomlx v0.26.0 // indirect
	github.com/syumai/workers v0.32.0 // indirect
	github.com/tetratelabs/wazero v1.12.0 // indirect
	golang.org/x/image v0.48.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
)

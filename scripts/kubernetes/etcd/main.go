// etcd, built from go.etcd.io/etcd/server/v3. The etcd binary's own main package lives in the root module
// go.etcd.io/etcd/v3, whose go.mod replaces every etcd module with a local path, so `go build` of it from a
// wrapper is refused; this is that main package's one call.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}

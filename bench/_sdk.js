require("../bin/compileCache").enableCompileCache();
require("../dist/engine/deferredSdkModules");
require("/tmp/loadtime.js");
require("@pulumi/pulumi");

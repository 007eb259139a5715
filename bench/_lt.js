require("../bin/compileCache").enableCompileCache();
require("/tmp/loadtime.js");
process.argv=[process.argv[0],"x","plan","prod","--json"];
require("../dist/cli/main.js").main(["plan","prod","--json"]).then(c=>{});

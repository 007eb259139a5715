require("../bin/compileCache").enableCompileCache();
require("/tmp/who4.js");
require("../dist/cli/main.js").main(["plan","prod","--json"]).then(c=>{});

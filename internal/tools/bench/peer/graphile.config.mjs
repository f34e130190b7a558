// PostGraphile 5 as the benchmark serves it: the amber preset over the bench
// database's public schema on a loopback port, no watch mode, no GraphiQL,
// no explain. The bench copies this file next to the installed packages
// (the -peer-dir folder) and starts
//   node node_modules/postgraphile/dist/cli-run.js -C graphile.config.mjs
// with BENCH_DATABASE_URL, BENCH_PORT and BENCH_POOL_SIZE set.
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";

const connectionString = process.env.BENCH_DATABASE_URL;
if (!connectionString) {
  throw new Error("BENCH_DATABASE_URL is not set");
}

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset],
  // Allow ordering and conditions on columns without an index (what
  // PostGraphile 4 did by default): the bench orders projects by
  // created_at and a conflict's specifications by role, as Socrates does.
  disablePlugins: ["PgIndexBehaviorsPlugin"],
  pgServices: [
    makePgService({
      connectionString,
      schemas: ["public"],
      poolConfig: { max: Number(process.env.BENCH_POOL_SIZE || "20") },
    }),
  ],
  grafserv: {
    host: "127.0.0.1",
    port: Number(process.env.BENCH_PORT || "5678"),
    graphqlPath: "/graphql",
    graphiql: false,
    watch: false,
    websockets: false,
  },
  grafast: {
    explain: false,
  },
};

export default preset;

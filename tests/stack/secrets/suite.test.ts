// Runs every spec of this folder in one module registry (see ../../suite.ts).
import { includeSpecs } from "../../suite";

includeSpecs(__dirname);

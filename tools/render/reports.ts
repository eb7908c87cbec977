/** Report writers added to every render (imported for their registration). */
import { writeCapacityReport } from "../capacity/report";
import { writeDeployPlan } from "../deploy-plan/deploy-plan";
import { writeFlowsReport } from "../netpol/report";
import { writeSecretsReport } from "../secrets/report";
import { addReportWriter } from "./render";

addReportWriter(writeDeployPlan);
addReportWriter(writeFlowsReport);
addReportWriter(writeCapacityReport);
addReportWriter(writeSecretsReport);

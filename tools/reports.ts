/** Report writers added to every render (imported for their registration). */
import { writeFlowsReport } from "./netpol/report";
import { addReportWriter } from "./render";

addReportWriter(writeFlowsReport);

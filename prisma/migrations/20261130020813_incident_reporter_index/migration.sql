-- CreateIndex
CREATE INDEX "Incident_reporterId_idx" ON "Incident"("reporterId");


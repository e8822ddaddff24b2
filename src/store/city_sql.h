/* city_sql.h: the city bound both backends put in every query of cases and their counts,
 * beside the region's (core/city.h): the one city of a scope of six characters or more,
 * the cities under a shorter one (a province's "42"), the whole database under "". */
#ifndef PA_CITY_SQL_H
#define PA_CITY_SQL_H

/* col: the city column; p: the parameter holding the scope's region code. Cities are six
 * characters, so the range [C, C~) of a city C holds C alone. On its own column, apart
 * from the region's bound on the grid: neither alone decides what is seen, and a table
 * partitioned by city is pruned to the cities the scope can see. SQLite gives the column
 * as +col: a filter on each row, never the index to search by, which the narrower region
 * bound is (its planner, without statistics, would otherwise scan the whole city). */
#define CITY_BOUND(col, p) \
	" " col " >= substr(" p ", 1, 6) AND " col " < substr(" p ", 1, 6) || '~'"

/* The audit log's rows a reader bounded to the cities of region p may see (struct
 * pa_audit_filter): l the log, u its actor's account (LEFT JOIN), n(x) the row's subject
 * after "kind:" as the id the dialect casts it to — given only once the subject has been
 * seen to be such an id (a CASE, since SQL orders no other evaluation). */
#define AUDIT_CITY(p, ID)                                                                          \
	" AND (" p " IS NULL OR (u.id IS NOT NULL AND" CITY_BOUND(                                 \
		"u.city",                                                                          \
		p) ")"                                                                             \
		   " OR (l.subject LIKE 'region:%' AND" CITY_BOUND(                                \
			   "substr(l.subject, 8, 6)",                                              \
			   p) ")"                                                                  \
			      " OR EXISTS (SELECT 1 FROM cases c WHERE c.id = CASE WHEN "          \
			      "l.subject LIKE 'case:%'"                                            \
			      " THEN " ID("6") " END AND" CITY_BOUND(                              \
				      "c.city",                                                    \
				      p) ")"                                                       \
					 " OR EXISTS (SELECT 1 FROM users s WHERE s.id = CASE "    \
					 "WHEN l.subject LIKE 'user:%'"                            \
					 " THEN " ID("6") " END AND" CITY_BOUND(                   \
						 "s.city",                                         \
						 p) ")"                                            \
						    " OR EXISTS (SELECT 1 FROM units t WHERE "     \
						    "t.id = CASE WHEN l.subject LIKE 'unit:%'"     \
						    " THEN " ID("6") " END AND" CITY_BOUND(        \
							    "t.city",                              \
							    p) ")"                                 \
							       " OR (u.id IS NULL AND l.subject "  \
							       "NOT LIKE 'region:%' AND NOT "      \
							       "EXISTS (SELECT 1 FROM"             \
							       " cases c WHERE c.id = CASE WHEN "  \
							       "l.subject LIKE 'case:%' THEN " ID( \
								       "6") " END)"                \
									    " AND NOT EXISTS "     \
									    "(SELECT 1 FROM "      \
									    "users s WHERE s.id "  \
									    "= CASE WHEN "         \
									    "l.subject LIKE"       \
									    " 'user:%' THEN " ID(  \
										    "6") " END) "  \
											 "AND "    \
											 "NOT "    \
											 "EXISTS " \
											 "(SELECT" \
											 " 1 "     \
											 "FROM "   \
											 "units "  \
											 "t "      \
											 "WHERE "  \
											 "t.id ="  \
											 " CASE "  \
											 "WHEN "   \
											 "l."      \
											 "subject" \
											 " LIKE "  \
											 "'unit:%" \
											 "' "      \
											 "THEN"    \
											 " " ID("6") " END)))"

/* pingan check, on both backends: case numbers past their counter (the counter of the
 * case's city and year; a number from before cities, PA-YYYY-NNNNNN, counts for the city
 * its case is in, whose counter began where the database's one was) — rows: "CITY YEAR",
 * highest number, counter — and cases whose city is not their grid's — rows: the
 * problem. */
#define CHECK_NUMBERS                                                                     \
	"SELECT c || ' ' || y, top, coalesce((SELECT value FROM counters WHERE name ="    \
	" 'case_number:' || c || ':' || y), 0) FROM (SELECT city AS c,"                   \
	" substr(number, length(number) - 10, 4) AS y,"                                   \
	" max(CAST(substr(number, length(number) - 5) AS bigint)) AS top FROM cases"      \
	" GROUP BY 1, 2) t WHERE top > coalesce((SELECT value FROM counters WHERE name =" \
	" 'case_number:' || c || ':' || y), 0)"
#define CHECK_CITIES                                                                         \
	"SELECT 'case ' || number || ' belongs to city ' || city || ' but lies in grid ' ||" \
	" grid FROM cases WHERE city <> substr(grid, 1, 6) ORDER BY id"

#endif
